-- Up Migration

-- deliveries is a queue: every delivery's row is updated when it is claimed and again when it is
-- settled, and each settled row leaves dead entries in the partial indexes the claims walk from
-- their head. Vacuumed at PostgreSQL's defaults (a fifth of the table dead), a table of millions
-- is cleaned rarely and the claims slow down as the dead entries pile up; vacuumed after 1% and
-- without cost pauses, they stay cheap. The attempt log is inserted and updated once per attempt.
ALTER TABLE deliveries SET (
  autovacuum_vacuum_scale_factor = 0.01,
  autovacuum_vacuum_threshold = 1000,
  autovacuum_vacuum_insert_scale_factor = 0.01,
  autovacuum_analyze_scale_factor = 0.02,
  autovacuum_vacuum_cost_delay = 0
);
ALTER TABLE delivery_attempts SET (
  autovacuum_vacuum_scale_factor = 0.02,
  autovacuum_vacuum_insert_scale_factor = 0.02,
  autovacuum_vacuum_cost_delay = 0
);

-- Down Migration

ALTER TABLE deliveries RESET (
  autovacuum_vacuum_scale_factor,
  autovacuum_vacuum_threshold,
  autovacuum_vacuum_insert_scale_factor,
  autovacuum_analyze_scale_factor,
  autovacuum_vacuum_cost_delay
);
ALTER TABLE delivery_attempts RESET (
  autovacuum_vacuum_scale_factor,
  autovacuum_vacuum_insert_scale_factor,
  autovacuum_vacuum_cost_delay
);
