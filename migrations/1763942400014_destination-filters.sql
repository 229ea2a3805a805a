-- Up Migration

-- A destination's content filter (core/content-filter.ts): a condition on the event object the
-- fan-out evaluates before it records a delivery. Null: every event of the subscribed types.
ALTER TABLE destinations ADD COLUMN filter jsonb;

-- What its deliveries carry (core/payload-shape.ts): "cloudevents", or {"fields": [...]} for a
-- projection. Null: the event object, as before.
ALTER TABLE destinations ADD COLUMN payload jsonb;

-- Down Migration

ALTER TABLE destinations DROP COLUMN payload;
ALTER TABLE destinations DROP COLUMN filter;
