import path from 'node:path';
import { runner } from 'node-pg-migrate';
import type pg from 'pg';
import type { Logger } from './logger.js';
import { projectRoot } from './project-root.js';

/** The store's migrations (event log, entity state, offsets, dead letters, API keys): plain SQL files, applied in name order. */
export const migrationsDir = path.join(projectRoot(), 'migrations');

/**
 * Applies pending migrations to `schema` (created when missing) with node-pg-migrate. Its advisory
 * lock is taken in "wait" mode, so instances starting together apply each migration once: the
 * first runs them, the others wait and then find nothing pending. Returns the names applied.
 */
export async function migrate(client: pg.ClientBase, schema: string, logger: Logger): Promise<string[]> {
  const applied = await runner({
    dbClient: client,
    dir: migrationsDir,
    direction: 'up',
    migrationsTable: 'schema_migrations',
    schema,
    createSchema: true,
    checkOrder: true,
    advisoryLockMode: 'wait',
    singleTransaction: true,
    logger: {
      debug: (message: string) => logger.debug(message),
      info: (message: string) => logger.debug(message),
      warn: (message: string) => logger.warn(message),
      error: (message: string) => logger.error(message),
    },
  });
  const names = applied.map((migration) => migration.name);
  if (names.length > 0) logger.info({ migrations: names, schema }, 'database migrations applied');
  return names;
}

/** migrate() on a connection of `pool`, released afterwards. */
export async function migratePool(pool: pg.Pool, schema: string, logger: Logger): Promise<string[]> {
  const client = await pool.connect();
  try {
    return await migrate(client, schema, logger);
  } finally {
    client.release();
  }
}
