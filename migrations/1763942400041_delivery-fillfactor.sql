-- Up Migration

-- A claim updates a delivery's lease columns and the settle of its attempt fills in the attempt's
-- outcome: none of those columns is indexed, so PostgreSQL can write the new row version beside
-- the old one in the same page without touching an index (a HOT update), but only where the page
-- has room. Pages filled to 70% keep that room, and the claim and the attempt's outcome no longer
-- add an entry to every index of their table.
ALTER TABLE deliveries SET (fillfactor = 70);
ALTER TABLE delivery_attempts SET (fillfactor = 70);

-- Down Migration

ALTER TABLE deliveries RESET (fillfactor);
ALTER TABLE delivery_attempts RESET (fillfactor);
