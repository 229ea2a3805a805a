-- Up Migration

-- The event log: one row per event, whatever its entity. Partitioned by event id range, one
-- partition per UTC day: ids are evt_ + UUIDv7, whose first 48 bits are the creation time in ms,
-- so the ids of one day form one contiguous range (in the "C" collation, byte order). The primary
-- key stays the event id alone, which makes the insert idempotent; retention drops whole days.
-- Partitions are created and dropped by the materializer (see partitions.ts), not here.
CREATE TABLE events (
  id text COLLATE "C" NOT NULL,
  type text COLLATE "C" NOT NULL,
  entity_type text COLLATE "C" NOT NULL,
  entity_id text COLLATE "C" NOT NULL,
  action text NOT NULL,
  organization_id text COLLATE "C" NOT NULL,
  occurred_at timestamptz NOT NULL,
  ingested_at timestamptz NOT NULL DEFAULT now(),
  source text NOT NULL,
  severity text NOT NULL,
  request_id text COLLATE "C",
  actor text,
  data jsonb NOT NULL,
  previous_attributes jsonb,
  schema_id integer NOT NULL,
  topic text NOT NULL,
  kafka_partition integer NOT NULL,
  kafka_offset bigint NOT NULL,
  -- The transaction that wrote the row. Rows become visible in commit order, not id order (ids
  -- are made by producers), so the live tail follows (tx_id, id) and reads only below the oldest
  -- transaction still running: nothing can later appear behind its position.
  tx_id xid8 NOT NULL DEFAULT pg_current_xact_id(),
  PRIMARY KEY (id)
) PARTITION BY RANGE (id);

COMMENT ON TABLE events IS 'Every event exactly once; partitioned by event id day (UUIDv7 time), pruned by EVENT_RETENTION_DAYS.';

-- Newest first per organization, with and without a type filter (type prefixes such as
-- invoice.% use the second: the "C" collation makes LIKE prefix scans index scans).
CREATE INDEX events_organization_id_idx ON events (organization_id, id DESC);
CREATE INDEX events_organization_type_id_idx ON events (organization_id, type, id DESC);
-- One entity's history, in order.
CREATE INDEX events_entity_idx ON events (organization_id, entity_type, entity_id, id);
-- The live tail of one organization, in the order rows were committed (see tx_id).
CREATE INDEX events_organization_tx_idx ON events (organization_id, tx_id, id);
-- Everything one API request caused.
CREATE INDEX events_request_id_idx ON events (organization_id, request_id) WHERE request_id IS NOT NULL;

-- The current state of each entity: the data of its newest event (by occurred_at, then event id),
-- whatever order the events arrived in. A delete keeps the last data and sets deleted.
CREATE TABLE entities (
  organization_id text COLLATE "C" NOT NULL,
  entity_type text COLLATE "C" NOT NULL,
  entity_id text COLLATE "C" NOT NULL,
  data jsonb NOT NULL,
  last_event_id text COLLATE "C" NOT NULL,
  last_event_type text NOT NULL,
  last_occurred_at timestamptz NOT NULL,
  version bigint NOT NULL,
  deleted boolean NOT NULL DEFAULT false,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (organization_id, entity_type, entity_id)
);

COMMENT ON COLUMN entities.version IS 'How many of the entity''s events have been materialised.';

CREATE INDEX entities_recent_idx ON entities (organization_id, entity_type, last_occurred_at DESC);

-- Consumer positions, written in the same transaction as the rows they cover: the source of truth
-- for where each consumer group resumes (Kafka's committed offsets are only a hint for tools).
CREATE TABLE consumer_offsets (
  group_id text NOT NULL,
  topic text NOT NULL,
  partition integer NOT NULL,
  next_offset bigint NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (group_id, topic, partition)
);

-- Records that could not be materialised, with the reason, kept for inspection and replay. The
-- original record is kept byte for byte.
CREATE TABLE dead_letters (
  id bigserial PRIMARY KEY,
  group_id text NOT NULL,
  topic text NOT NULL,
  partition integer NOT NULL,
  kafka_offset bigint NOT NULL,
  record_timestamp timestamptz,
  key bytea,
  value bytea,
  headers jsonb NOT NULL DEFAULT '{}',
  reason_code text NOT NULL,
  reason text NOT NULL,
  failed_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (group_id, topic, partition, kafka_offset)
);

CREATE INDEX dead_letters_failed_at_idx ON dead_letters (failed_at DESC);

-- Down Migration

DROP TABLE dead_letters;
DROP TABLE consumer_offsets;
DROP TABLE entities;
DROP TABLE events;
