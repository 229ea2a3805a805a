-- Up Migration

-- Events API keys. Each belongs to one organization, and every query made with it is scoped to
-- that organization. Only a SHA-256 of the key is stored: keys are 256 random bits, so a fast hash
-- is as safe as a slow one and keeps authentication to one index lookup. The prefix lets people
-- tell keys apart in lists without the key itself.
CREATE TABLE api_keys (
  id text COLLATE "C" PRIMARY KEY,
  organization_id text COLLATE "C" NOT NULL,
  name text,
  key_hash bytea NOT NULL UNIQUE,
  key_prefix text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  last_used_at timestamptz,
  revoked_at timestamptz
);

CREATE INDEX api_keys_organization_idx ON api_keys (organization_id, created_at);

-- Down Migration

DROP TABLE api_keys;
