import pg from 'pg';
import type { Logger } from './logger.js';

export interface PoolOptions {
  readonly url: string;
  /** Every connection's search_path: the schema holding the pipeline's tables. */
  readonly schema: string;
  readonly max: number;
  readonly applicationName: string;
  readonly logger: Logger;
}

/**
 * A pg pool whose connections see only the pipeline's schema (plus pg_catalog). A lost connection
 * is logged, not thrown: the query using it fails, and the next one gets a fresh connection.
 */
export function createPool(options: PoolOptions): pg.Pool {
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.max,
    application_name: options.applicationName,
    options: `-c search_path=${options.schema}`,
    connectionTimeoutMillis: 5_000,
    idleTimeoutMillis: 30_000,
    keepAlive: true,
  });
  // The message and code only: pg's error carries the client it came from, connection settings and all.
  pool.on('error', (error) =>
    options.logger.warn(
      { error: error.message, code: (error as { code?: unknown }).code },
      'an idle database connection failed; it is replaced on next use',
    ),
  );
  // A connection that drops while checked out emits 'error' too; the query in flight rejects with
  // it, so here it is only noted (unlistened, it would crash the process).
  pool.on('connect', (client) => client.on('error', (error) => options.logger.debug({ error: error.message }, 'database connection lost')));
  return pool;
}

/**
 * True when an error means the database could not be reached or dropped the connection, as
 * opposed to rejecting what was sent: the caller should wait and try the same work again.
 * SQLSTATE classes 08 (connection exception), 57P (operator intervention: shutdown, cannot connect
 * now), 53 (insufficient resources, e.g. too many connections) and 58 (system error).
 */
export function isConnectionError(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string') {
    if (/^(08|53|58)/.test(code) || code.startsWith('57P')) return true;
    if (['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH', 'EAI_AGAIN'].includes(code)) return true;
  }
  return /Connection terminated|connection timeout|timeout exceeded when trying to connect|Client has encountered a connection error|Connection ended unexpectedly/i.test(
    error.message,
  );
}

/** True for errors that a retry of the same transaction may not hit: deadlocks and serialization failures. */
export function isTransientConflict(error: unknown): boolean {
  const code = (error as { code?: unknown } | undefined)?.code;
  return code === '40P01' || code === '40001';
}

/** True when PostgreSQL rejected a value itself (data exceptions and integrity violations): retrying cannot help. */
export function isDataError(error: unknown): boolean {
  const code = (error as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' && /^(22|23)/.test(code);
}

/** Runs `work` in a transaction on one client; rolls back (and rethrows) on any error. */
export async function inTransaction<T>(client: pg.ClientBase, work: () => Promise<T>): Promise<T> {
  await client.query('begin');
  try {
    const result = await work();
    await client.query('commit');
    return result;
  } catch (error) {
    await client.query('rollback').catch(() => undefined);
    throw error;
  }
}
