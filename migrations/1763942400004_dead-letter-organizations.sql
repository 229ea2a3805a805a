-- Up Migration

-- The organization a dead letter belongs to, read from the record's CloudEvents header
-- `ce_orgid` (the publisher sets it on every record), so the Events API can show each
-- organization its own dead letters, newest first. A record without the header (not written by
-- the publisher) belongs to no organization and is shown to no API key; operators read it here.
ALTER TABLE dead_letters
  ADD COLUMN organization_id text COLLATE "C" GENERATED ALWAYS AS (headers ->> 'ce_orgid') STORED;

CREATE INDEX dead_letters_organization_idx ON dead_letters (organization_id, id DESC) WHERE organization_id IS NOT NULL;

-- Down Migration

DROP INDEX dead_letters_organization_idx;
ALTER TABLE dead_letters DROP COLUMN organization_id;
