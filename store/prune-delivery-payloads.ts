import type { Database } from './query.js';

/**
 * Deletes the payloads no delivery refers to any more (pruneDeliveries deleted the last one)
 * that no fan-out has used for `retentionDays`, `chunk` at a time so no transaction grows large.
 * Returns how many were deleted.
 *
 * A fan-out that records new deliveries of an old event renews its payload's `used_at` in the
 * same statement. The age is checked again on the row being deleted, not only when choosing it:
 * should such a fan-out commit while this waits for the row, PostgreSQL rechecks the condition on
 * the renewed row and keeps it.
 */
export async function pruneDeliveryPayloads(db: Database, retentionDays: number, chunk = 5_000): Promise<number> {
  let total = 0;
  for (;;) {
    const { rowCount } = await db.query(
      `delete from delivery_payloads p
        using (select q.organization_id, q.event_id, q.test from delivery_payloads q
                where q.used_at < now() - make_interval(days => $1)
                  and not exists (select 1 from deliveries d
                                   where d.event_id = q.event_id and d.organization_id = q.organization_id and d.test = q.test)
                limit $2) unused
        where p.organization_id = unused.organization_id and p.event_id = unused.event_id and p.test = unused.test
          and p.used_at < now() - make_interval(days => $1)`,
      [retentionDays, chunk],
    );
    total += rowCount ?? 0;
    if ((rowCount ?? 0) < chunk) return total;
  }
}
