-- Up Migration

-- Alerts of a destination in trouble: `destination.failing` once a failure run reaches
-- `alert_after_failures` failed attempts or lasts `alert_after_ms` (null: the streamer's
-- defaults), and `destination.recovered` at the first success after it. `failed_attempts` counts
-- the run's attempts until its alert is raised; `alerted_at` says the run's alert is raised (and
-- is cleared by the recovery), so a conditional update of it decides, among all streamers, the
-- one that publishes each event.
ALTER TABLE destinations
  ADD COLUMN alert_after_failures integer CHECK (alert_after_failures BETWEEN 1 AND 1000000),
  ADD COLUMN alert_after_ms integer CHECK (alert_after_ms BETWEEN 0 AND 604800000),
  ADD COLUMN failed_attempts integer NOT NULL DEFAULT 0,
  ADD COLUMN alerted_at timestamptz;

-- An outbox: the alert is written in the statement that decides it and published afterwards, by
-- its streamer at once or by any streamer's sweep once that one is gone. Its event id is fixed
-- here, so an event published twice (a streamer stopped before it marked it) is one event
-- downstream: the event log and every destination's deliveries are unique by event id.
CREATE TABLE destination_alerts (
  event_id text COLLATE "C" PRIMARY KEY,
  destination_id text COLLATE "C" NOT NULL REFERENCES destinations (id) ON DELETE CASCADE,
  type text NOT NULL CHECK (type IN ('destination.failing', 'destination.recovered')),
  failing_since timestamptz NOT NULL,
  failed_attempts integer NOT NULL,
  last_error text,
  created_at timestamptz NOT NULL DEFAULT now(),
  published_at timestamptz
);

-- What the sweep looks for: alerts not yet published, oldest first.
CREATE INDEX destination_alerts_unpublished_idx ON destination_alerts (created_at) WHERE published_at IS NULL;

-- Down Migration

DROP TABLE destination_alerts;
ALTER TABLE destinations DROP COLUMN alert_after_failures, DROP COLUMN alert_after_ms, DROP COLUMN failed_attempts, DROP COLUMN alerted_at;
