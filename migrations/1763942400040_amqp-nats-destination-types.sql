-- Up Migration

-- RabbitMQ exchanges (destinations/amqp) and NATS JetStream subjects (destinations/nats).
INSERT INTO destination_types (name) VALUES ('amqp'), ('nats');

-- Down Migration

DELETE FROM destination_types WHERE name IN ('amqp', 'nats');
