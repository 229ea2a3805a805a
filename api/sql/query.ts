import type pg from 'pg';

/** The one thing the API's SQL functions need: run a parameterised query. */
export type Query = <R extends pg.QueryResultRow>(text: string, values?: readonly unknown[]) => Promise<pg.QueryResult<R>>;

export function queryOf(pool: pg.Pool): Query {
  return (text, values) => pool.query(text, values as unknown[]);
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
