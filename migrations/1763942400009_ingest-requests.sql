-- Up Migration

-- HTTP ingest's idempotency keys (store/ingest-requests.ts): the first request with a key fixes
-- the event ids it publishes and, once every event was acknowledged, the answer a retry gets back.
CREATE TABLE ingest_requests (
  organization_id text NOT NULL,
  idempotency_key text NOT NULL,
  -- SHA-256 of the request (route and body): the same key with another body is refused.
  request_hash bytea NOT NULL,
  event_ids text[] NOT NULL,
  status_code integer,
  response jsonb,
  -- A request holding the key is publishing until then; a retry meanwhile is told to wait.
  locked_until timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (organization_id, idempotency_key)
);

CREATE INDEX ingest_requests_created_idx ON ingest_requests (created_at);

-- Down Migration

DROP TABLE ingest_requests;
