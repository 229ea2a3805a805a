import type pg from 'pg';

/**
 * What every store function runs its statements on: the pool, or the client of a transaction
 * (pg.Pool and pg.PoolClient both are one), so one function serves both.
 */
export interface Database {
  query<R extends pg.QueryResultRow>(text: string, values?: readonly unknown[]): Promise<pg.QueryResult<R>>;
}

/** Collects positional parameters while a statement is built, so values never enter the SQL text. */
export function createParams(): { readonly values: unknown[]; readonly add: (value: unknown) => string } {
  const values: unknown[] = [];
  return {
    values,
    add: (value) => {
      values.push(value);
      return `$${values.length}`;
    },
  };
}

/**
 * A page from rows read `limit + 1` at a time in paging order: the extra row only says there is
 * more. Rows read backwards (ending_before) are put back in list order.
 */
export function pageOf<R>(rows: readonly R[], limit: number, backwards: boolean): { rows: R[]; hasMore: boolean } {
  const page = rows.slice(0, limit);
  return { rows: backwards ? page.reverse() : page, hasMore: rows.length > limit };
}
