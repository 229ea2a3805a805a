-- Up Migration

-- S3 buckets (and S3-compatible stores) as a destination type.
INSERT INTO destination_types (name) VALUES ('s3');

-- Down Migration

DELETE FROM destination_types WHERE name = 's3';
