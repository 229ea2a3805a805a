import type { Database } from './query.js';

/** Unsettled deliveries per destination and how long the oldest has waited, for the metrics. */
export async function queueDepths(db: Database): Promise<{ destinationId: string; depth: number; oldestSeconds: number }[]> {
  const { rows } = await db.query<{ destination_id: string; depth: string; oldest_seconds: number }>(
    `select destination_id, count(*) as depth, extract(epoch from now() - min(created_at))::float8 as oldest_seconds
       from deliveries where status in ('pending', 'needs_retry') group by destination_id`,
  );
  return rows.map((row) => ({ destinationId: row.destination_id, depth: Number(row.depth), oldestSeconds: row.oldest_seconds }));
}
