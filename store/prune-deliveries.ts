import type { Database } from './query.js';

/**
 * Deletes deliveries (their attempts go with them) created more than `retentionDays` ago, in
 * chunks so no transaction grows large. Returns how many were deleted.
 */
export async function pruneDeliveries(db: Database, retentionDays: number, chunk = 5_000): Promise<number> {
  let total = 0;
  for (;;) {
    const { rowCount } = await db.query(
      `delete from deliveries where id in (
         select id from deliveries where created_at < now() - make_interval(days => $1) limit $2)`,
      [retentionDays, chunk],
    );
    total += rowCount ?? 0;
    if ((rowCount ?? 0) < chunk) return total;
  }
}
