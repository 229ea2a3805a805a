import { deliveryIdFloor } from '../core/ids.js';
import type { Database } from './query.js';

/**
 * Deletes deliveries (their attempts go with them) created more than `retentionDays` ago, in
 * chunks so no transaction grows large. A delivery id carries its creation time (UUIDv7), so the
 * primary key finds them. Returns how many were deleted.
 */
export async function pruneDeliveries(db: Database, retentionDays: number, chunk = 5_000): Promise<number> {
  const before = deliveryIdFloor(Date.now() - retentionDays * 86_400_000);
  let total = 0;
  for (;;) {
    const { rowCount } = await db.query(
      `delete from deliveries where id in (select id from deliveries where id < $1 order by id limit $2)`,
      [before, chunk],
    );
    total += rowCount ?? 0;
    if ((rowCount ?? 0) < chunk) return total;
  }
}
