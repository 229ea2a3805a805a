-- Up Migration

-- Amazon SQS queues as a destination type.
INSERT INTO destination_types (name) VALUES ('sqs');

-- Down Migration

DELETE FROM destination_types WHERE name = 'sqs';
