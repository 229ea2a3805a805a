-- Up Migration

-- Amazon Kinesis data streams as a destination type.
INSERT INTO destination_types (name) VALUES ('kinesis');

-- Down Migration

DELETE FROM destination_types WHERE name = 'kinesis';
