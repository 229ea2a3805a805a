-- Up Migration

-- The destination types the database accepts: one row per type registered in destinations/index.ts
-- (test/destinations/registry.int.test.ts compares the two). A new type is one more row, added by
-- a migration of its own: INSERT INTO destination_types (name) VALUES ('<type>');
CREATE TABLE destination_types (
  name text PRIMARY KEY
);

INSERT INTO destination_types (name) VALUES ('webhook'), ('kafka'), ('file');

ALTER TABLE destinations
  DROP CONSTRAINT destinations_type_check,
  ADD CONSTRAINT destinations_type_fkey FOREIGN KEY (type) REFERENCES destination_types (name);

-- Down Migration

ALTER TABLE destinations
  DROP CONSTRAINT destinations_type_fkey,
  ADD CONSTRAINT destinations_type_check CHECK (type IN ('webhook', 'kafka', 'file'));
DROP TABLE destination_types;
