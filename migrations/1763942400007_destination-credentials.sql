-- Up Migration

-- A destination's secret settings (a Kafka destination's SASL password and TLS client key), kept
-- apart from `settings` so that they are never served by accident: `{ "<setting>": "<sealed>" }`,
-- each value sealed with DESTINATION_SECRET_KEY for its destination and setting
-- (core/destination-credentials.ts). NULL: none.
ALTER TABLE destinations ADD COLUMN credentials jsonb;

-- Down Migration

ALTER TABLE destinations DROP COLUMN credentials;
