import { insertDestination, type DestinationFields, type DestinationRow } from './destinations.js';
import type { Database } from './query.js';

/** Runs `work` in one transaction on one connection (the API context's `transaction`). */
export type InTransaction = <T>(work: (db: Database) => Promise<T>) => Promise<T>;

/**
 * Stores a new destination as insertDestination does, unless its organization has `max`
 * destinations already (deleted ones aside; 0: no limit): then `limitReached` says how many.
 * Creates of one organization wait for each other on a transaction-scoped advisory lock taken
 * before the count, so two at once cannot both pass it.
 */
export async function insertDestinationWithinLimit(
  transaction: InTransaction,
  row: DestinationFields & Pick<DestinationRow, 'id' | 'organization_id' | 'type' | 'secret'>,
  max: number,
): Promise<{ readonly row: DestinationRow } | { readonly limitReached: number }> {
  return transaction(async (db) => {
    if (max > 0) {
      // Two 32-bit keys: this schema's destinations, then the organization. Other schemas and purposes lock apart.
      await db.query(`select pg_advisory_xact_lock(hashtext(current_schema() || '.destinations'), hashtext($1))`, [row.organization_id]);
      // A statement of its own, after the lock: under READ COMMITTED it sees what the create before it committed.
      const { rows } = await db.query<{ n: number }>(
        'select count(*)::int as n from destinations where organization_id = $1 and deleted_at is null',
        [row.organization_id],
      );
      const n = rows[0]?.n ?? 0;
      if (n >= max) return { limitReached: n };
    }
    return { row: await insertDestination(db, row) };
  });
}
