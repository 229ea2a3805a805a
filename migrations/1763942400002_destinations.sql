-- Up Migration

-- Where the streamer sends events: one row per destination of an organization. `settings` holds
-- the type's own fields (webhook: url, headers, timeout_ms, batch; kafka: brokers, topic; file:
-- directory, rotation). The signing secret of a webhook is kept apart from settings so that it is
-- never served by accident; the previous one stays valid until previous_secret_expires_at.
CREATE TABLE destinations (
  id text COLLATE "C" PRIMARY KEY,
  organization_id text COLLATE "C" NOT NULL,
  type text NOT NULL CHECK (type IN ('webhook', 'kafka', 'file')),
  description text,
  active boolean NOT NULL DEFAULT true,
  event_types text[] NOT NULL,
  severities text[],
  entity_types text[],
  ordering text NOT NULL DEFAULT 'none' CHECK (ordering IN ('none', 'per_entity')),
  settings jsonb NOT NULL,
  secret text,
  previous_secret text,
  previous_secret_expires_at timestamptz,
  retry_schedule_ms integer[],
  disabled_reason text,
  disabled_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  deleted_at timestamptz
);

-- An organization's destinations, newest first (ids are time-ordered).
CREATE INDEX destinations_organization_idx ON destinations (organization_id, id DESC) WHERE deleted_at IS NULL;

-- Down Migration

DROP TABLE destinations;
