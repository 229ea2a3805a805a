-- Up Migration

-- How each destination is paced and when it started failing without a break (it is disabled once
-- that lasts longer than the disable period). Retry schedules are per destination already.
ALTER TABLE destinations
  ADD COLUMN max_concurrency integer CHECK (max_concurrency BETWEEN 1 AND 100),
  ADD COLUMN rate_limit_per_second integer CHECK (rate_limit_per_second BETWEEN 1 AND 10000),
  ADD COLUMN failing_since timestamptz;

-- One delivery per (event, destination), recorded by the streamer in the transaction that moves
-- its consumer offsets: fan-out is exactly once. `payload` is the event object as sent, so a
-- delivery outlives the event log's retention and a replay sends what was sent the first time.
-- Test sends (POST /destinations/{id}/test) are deliveries of a sample event, flagged `test`.
CREATE TABLE deliveries (
  id text COLLATE "C" PRIMARY KEY,
  -- Fan-out order: per entity it is the order of the entity's Kafka partition, i.e. publish order.
  seq bigint GENERATED ALWAYS AS IDENTITY,
  organization_id text COLLATE "C" NOT NULL,
  destination_id text COLLATE "C" NOT NULL REFERENCES destinations (id),
  event_id text COLLATE "C" NOT NULL,
  event_type text COLLATE "C" NOT NULL,
  entity_type text COLLATE "C" NOT NULL,
  entity_id text COLLATE "C" NOT NULL,
  payload jsonb NOT NULL,
  test boolean NOT NULL DEFAULT false,
  status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'needs_retry', 'delivered', 'failed')),
  times_attempted integer NOT NULL DEFAULT 0,
  -- times_attempted when a retry or replay last restarted the schedule.
  schedule_base integer NOT NULL DEFAULT 0,
  next_attempt_at timestamptz,
  last_attempt_at timestamptz,
  delivered_at timestamptz,
  last_status_code integer,
  last_error text,
  -- Batch mode: the batch (and its webhook-id) the delivery was last sent in.
  batch_id text COLLATE "C",
  -- A worker holds a delivery while it sends it; an expired lease (a crashed worker) frees it.
  lease_owner text,
  lease_expires_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE UNIQUE INDEX deliveries_event_idx ON deliveries (destination_id, event_id) WHERE NOT test;
-- What is due, per destination.
CREATE INDEX deliveries_due_idx ON deliveries (destination_id, next_attempt_at, seq) WHERE status IN ('pending', 'needs_retry');
-- per_entity ordering: the earliest unsettled delivery of each entity goes first.
CREATE INDEX deliveries_entity_idx ON deliveries (destination_id, entity_type, entity_id, seq)
  WHERE status IN ('pending', 'needs_retry');
-- The delivery log, newest first (ids are time-ordered), and the deliveries of one event.
CREATE INDEX deliveries_log_idx ON deliveries (destination_id, id DESC);
CREATE INDEX deliveries_event_lookup_idx ON deliveries (event_id);
CREATE INDEX deliveries_batch_idx ON deliveries (batch_id) WHERE batch_id IS NOT NULL;
-- Retention.
CREATE INDEX deliveries_created_idx ON deliveries (created_at);

-- Every attempt: when, how long, what came back (the first 2 KB of the body) or what went wrong.
CREATE TABLE delivery_attempts (
  delivery_id text COLLATE "C" NOT NULL REFERENCES deliveries (id) ON DELETE CASCADE,
  attempt integer NOT NULL,
  attempted_at timestamptz NOT NULL,
  duration_ms integer NOT NULL,
  status_code integer,
  error text,
  response_body text,
  batch_id text COLLATE "C",
  PRIMARY KEY (delivery_id, attempt)
);

-- Down Migration

DROP TABLE delivery_attempts;
DROP TABLE deliveries;
ALTER TABLE destinations DROP COLUMN max_concurrency, DROP COLUMN rate_limit_per_second, DROP COLUMN failing_since;
