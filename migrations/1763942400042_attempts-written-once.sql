-- Up Migration

-- An attempt's row is written once, with its outcome: the claim counts the attempt in the
-- delivery's row (times_attempted, last_attempt_at, the lease) and the attempt being made reads
-- from there as `sending`. Rows left `sending` by an older streamer are completed as before.
DROP INDEX delivery_attempts_sending_idx;

-- Fewer index entries for each delivery written and settled:
-- * retention deletes by id (dlv_ ids are UUIDv7s, ordered by creation time), not created_at;
-- * the unique (event, destination) index leads with the event, so it also finds an event's
--   deliveries; test sends, outside it, have a small index of their own.
DROP INDEX deliveries_created_idx;
CREATE UNIQUE INDEX deliveries_event_destination_idx ON deliveries (event_id, destination_id) WHERE NOT test;
DROP INDEX deliveries_event_idx;
DROP INDEX deliveries_event_lookup_idx;
CREATE INDEX deliveries_test_event_idx ON deliveries (event_id) WHERE test;

-- Down Migration

CREATE INDEX deliveries_event_lookup_idx ON deliveries (event_id);
CREATE UNIQUE INDEX deliveries_event_idx ON deliveries (destination_id, event_id) WHERE NOT test;
DROP INDEX deliveries_test_event_idx;
DROP INDEX deliveries_event_destination_idx;
CREATE INDEX deliveries_created_idx ON deliveries (created_at);
CREATE INDEX delivery_attempts_sending_idx ON delivery_attempts (delivery_id, attempt) WHERE outcome = 'sending';
