-- Up Migration

-- The event object a delivery sends, stored once per event: every destination an event fans out
-- to shares one row instead of a copy each. Test sends keep theirs apart (`test`), as their
-- deliveries are. `used_at` is when a fan-out last recorded deliveries of the event; retention
-- deletes a payload once no delivery refers to it and it has not been used for the retention
-- period, so a fan-out writing new deliveries of an old event keeps its payload alive.
CREATE TABLE delivery_payloads (
  organization_id text COLLATE "C" NOT NULL,
  event_id text COLLATE "C" NOT NULL,
  test boolean NOT NULL,
  payload jsonb NOT NULL,
  used_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (organization_id, event_id, test)
);

-- Retention.
CREATE INDEX delivery_payloads_used_idx ON delivery_payloads (used_at);

-- Deliveries of one event carry the same object, so any copy would do; the first recorded one's
-- (the lowest seq) is what the first destination was sent.
INSERT INTO delivery_payloads (organization_id, event_id, test, payload)
SELECT DISTINCT ON (organization_id, event_id, test) organization_id, event_id, test, payload
  FROM deliveries
 ORDER BY organization_id, event_id, test, seq;

ALTER TABLE deliveries DROP COLUMN payload;

-- Down Migration

ALTER TABLE deliveries ADD COLUMN payload jsonb;
UPDATE deliveries d SET payload = p.payload
  FROM delivery_payloads p
 WHERE p.organization_id = d.organization_id AND p.event_id = d.event_id AND p.test = d.test;
ALTER TABLE deliveries ALTER COLUMN payload SET NOT NULL;
DROP TABLE delivery_payloads;
