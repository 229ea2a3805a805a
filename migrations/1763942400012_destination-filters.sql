-- Up Migration

-- A destination's content filter (core/content-filter.ts): a condition on the event object the
-- fan-out evaluates before it records a delivery. Null: every event of the subscribed types.
ALTER TABLE destinations ADD COLUMN filter jsonb;

-- Down Migration

ALTER TABLE destinations DROP COLUMN filter;
