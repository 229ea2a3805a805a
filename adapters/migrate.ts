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
  const names = await runMigrations(
    client,
    schema,
    { direction: 'up' },
    {
      debug: (message: string) => logger.debug(message),
      info: (message: string) => logger.debug(message),
      warn: (message: string) => logger.warn(message),
      error: (message: string) => logger.error(message),
    },
  );
  if (names.length > 0) logger.info({ migrations: names, schema }, 'database migrations applied');
  return names;
}

/**
 * The project's migrations in `direction` (`count` of them; all by default), with the settings
 * every run uses. Returns the names applied.
 */
export async function runMigrations(
  client: pg.ClientBase,
  schema: string,
  run: { readonly direction: 'up' | 'down'; readonly count?: number },
  logger?: NonNullable<Parameters<typeof runner>[0]['logger']>,
): Promise<string[]> {
  const applied = await runner({
    dbClient: client,
    dir: migrationsDir,
    direction: run.direction,
    ...(run.count === undefined ? {} : { count: run.count }),
    migrationsTable: 'schema_migrations',
    schema,
    createSchema: true,
    checkOrder: true,
    advisoryLockMode: 'wait',
    singleTransaction: true,
    ...(logger === undefined ? { log: () => undefined } : { logger }),
  });
  return applied.map((migration) => migration.name);
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
