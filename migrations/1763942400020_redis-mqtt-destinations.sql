-- Up Migration

-- Redis stream and MQTT destinations (destinations/redis/, destinations/mqtt/).
INSERT INTO destination_types (name) VALUES ('redis'), ('mqtt');

-- Down Migration

DELETE FROM destination_types WHERE name IN ('redis', 'mqtt');
