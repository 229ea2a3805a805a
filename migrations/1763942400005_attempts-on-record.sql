-- Up Migration

-- An attempt is written when its delivery is claimed, before a byte is sent, as `sending`; the
-- worker completes it with what came back (`succeeded` or `failed`). A worker that dies between
-- the two leaves its attempt `sending`: once the lease runs out (or another attempt follows) it
-- becomes `unknown`. So the delivery log holds every attempt a receiver may have seen.
ALTER TABLE delivery_attempts
  ALTER COLUMN duration_ms DROP NOT NULL,
  ADD COLUMN outcome text;

UPDATE delivery_attempts SET outcome = CASE WHEN error IS NULL THEN 'succeeded' ELSE 'failed' END;

ALTER TABLE delivery_attempts
  ALTER COLUMN outcome SET NOT NULL,
  ADD CONSTRAINT delivery_attempts_outcome_check CHECK (outcome IN ('sending', 'succeeded', 'failed', 'unknown'));

-- The attempts still open, for the sweep that settles those whose worker died.
CREATE INDEX delivery_attempts_sending_idx ON delivery_attempts (delivery_id, attempt) WHERE outcome = 'sending';

-- When the current retry schedule began (the first attempt after the delivery was created, retried
-- or replayed): a delivery fails for good only once its schedule's whole span has passed since.
ALTER TABLE deliveries ADD COLUMN schedule_started_at timestamptz;
UPDATE deliveries SET schedule_started_at = last_attempt_at WHERE status IN ('pending', 'needs_retry') AND times_attempted > schedule_base;

-- Down Migration

ALTER TABLE deliveries DROP COLUMN schedule_started_at;
DROP INDEX delivery_attempts_sending_idx;
DELETE FROM delivery_attempts WHERE outcome IN ('sending', 'unknown');
UPDATE delivery_attempts SET duration_ms = 0 WHERE duration_ms IS NULL;
ALTER TABLE delivery_attempts DROP CONSTRAINT delivery_attempts_outcome_check, DROP COLUMN outcome, ALTER COLUMN duration_ms SET NOT NULL;
