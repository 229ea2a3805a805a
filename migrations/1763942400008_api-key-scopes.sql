-- Up Migration

-- What each key may do (core/api-keys.ts). Keys made before scopes keep doing everything.
ALTER TABLE api_keys
  ADD COLUMN scopes text[] NOT NULL DEFAULT '{admin}',
  ADD CONSTRAINT api_keys_scopes_check CHECK (
    cardinality(scopes) > 0
    AND scopes <@ ARRAY['events:read', 'events:write', 'destinations:read', 'destinations:write', 'admin']::text[]
  );

-- Down Migration

ALTER TABLE api_keys DROP COLUMN scopes;
