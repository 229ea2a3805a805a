import pg from 'pg';

/**
 * What a database is asked to do, read as cumulative counters so two readings give a rate:
 * transactions and rows read from pg_stat_database, statements from pg_stat_statements when the
 * server loads it, else from a count of the queries this process's pg clients send there.
 */
export interface DbCounters {
  /** xact_commit + xact_rollback. */
  readonly transactions: number;
  readonly statements: number;
  /** tup_returned + tup_fetched: rows scanned and rows fetched by index. */
  readonly rowsRead: number;
  /** tup_inserted + tup_updated + tup_deleted. */
  readonly rowsWritten: number;
}

/** The same counters per second. */
export type CounterRates = DbCounters;

/** Where the statement count comes from. */
export type StatementSource = 'pg_stat_statements' | 'client count';

const counterNames = ['transactions', 'statements', 'rowsRead', 'rowsWritten'] as const;

function eachCounter(value: (name: keyof DbCounters) => number): DbCounters {
  return Object.fromEntries(counterNames.map((name) => [name, value(name)])) as unknown as DbCounters;
}

/** The per-second rates between two readings `ms` apart. */
export function counterRates(before: DbCounters, after: DbCounters, ms: number): CounterRates {
  return eachCounter((name) => ((after[name] - before[name]) / ms) * 1000);
}

/** `rates` less `background`, never below zero. */
export function lessBackground(rates: CounterRates, background: CounterRates): CounterRates {
  return eachCounter((name) => Math.max(0, rates[name] - background[name]));
}

export interface DbActivity {
  readonly statementSource: StatementSource;
  read(): Promise<DbCounters>;
  close(): Promise<void>;
}

/**
 * Reads the counters of the database `url` names, over a connection of its own (whose few
 * queries count too: the background reading shows how many). pg_stat_statements is used when
 * `create extension` works and its view answers, which needs it in shared_preload_libraries;
 * otherwise every query a pg client of this process sends to that database is counted, except
 * this reader's own, by wrapping pg.Client's query method until `close()`.
 */
export async function watchDbActivity(url: string): Promise<DbActivity> {
  const client = new pg.Client({ connectionString: url, application_name: 'evp-bench' });
  await client.connect();
  const extension = await client
    .query('create extension if not exists pg_stat_statements')
    .then(() => client.query('select 1 from pg_stat_statements limit 1'))
    .then(
      () => true,
      () => false,
    );
  let clientCount = 0;
  let restore = (): void => undefined;
  if (!extension) {
    const database = client.database;
    const prototype = pg.Client.prototype as unknown as { query: (...args: unknown[]) => unknown };
    const original = prototype.query;
    prototype.query = function (this: pg.Client, ...args: unknown[]) {
      if (this !== client && this.database === database) clientCount++;
      return original.apply(this, args);
    };
    restore = () => (prototype.query = original);
  }
  return {
    statementSource: extension ? 'pg_stat_statements' : 'client count',
    async read() {
      // Each reading sees the statistics as they are now, not a snapshot cached earlier in this backend.
      await client.query('select pg_stat_clear_snapshot()');
      const { rows } = await client.query<{ transactions: string; rows_read: string; rows_written: string; statements: string | null }>(
        `select (xact_commit + xact_rollback)::text as transactions,
                (tup_returned + tup_fetched)::text as rows_read,
                (tup_inserted + tup_updated + tup_deleted)::text as rows_written,
                ${extension ? '(select sum(calls) from pg_stat_statements s where s.dbid = d.datid)::text' : 'null'} as statements
           from pg_stat_database d where datname = current_database()`,
      );
      const row = rows[0];
      if (!row) throw new Error('pg_stat_database has no row for this database');
      return {
        transactions: Number(row.transactions),
        statements: extension ? Number(row.statements ?? 0) : clientCount,
        rowsRead: Number(row.rows_read),
        rowsWritten: Number(row.rows_written),
      };
    },
    async close() {
      restore();
      await client.end().catch(() => undefined);
    },
  };
}
