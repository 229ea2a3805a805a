import type { Database } from './query.js';

export interface DueDestinations {
  /** Destinations with a delivery due now that no worker holds. */
  readonly now: string[];
  /** The earliest time a delivery that is not due yet becomes due (a scheduled retry), if any. */
  readonly nextAt: Date | null;
}

/**
 * Which destinations have work, without asking each one: a skip scan over the due index jumps
 * from one destination with unsettled deliveries to the next, so the cost follows the
 * destinations that have work, not how many exist (1,000 idle destinations cost one index probe).
 * Per destination, two more probes of the same index: the first unleased delivery due now, and
 * the earliest one due later. A delivery held by a worker is skipped (at most that destination's
 * concurrency of them); one whose worker crashed shows again once its lease runs out.
 */
export async function dueDestinations(db: Database): Promise<DueDestinations> {
  const { rows } = await db.query<{ destination_id: string; due_now: boolean; next_at: Date | null }>(
    `with recursive busy as (
       (select destination_id from deliveries where status in ('pending', 'needs_retry') order by destination_id limit 1)
       union all
       select (select d.destination_id from deliveries d
                where d.status in ('pending', 'needs_retry') and d.destination_id > busy.destination_id
                order by d.destination_id limit 1)
         from busy where busy.destination_id is not null)
     select b.destination_id,
            exists (select 1 from deliveries d
                     where d.destination_id = b.destination_id and d.status in ('pending', 'needs_retry') and d.next_attempt_at <= now()
                       and (d.lease_expires_at is null or d.lease_expires_at < now())) as due_now,
            (select min(d.next_attempt_at) from deliveries d
              where d.destination_id = b.destination_id and d.status in ('pending', 'needs_retry') and d.next_attempt_at > now()) as next_at
       from busy b where b.destination_id is not null`,
  );
  let nextAt: Date | null = null;
  for (const row of rows) if (row.next_at !== null && (nextAt === null || row.next_at < nextAt)) nextAt = row.next_at;
  return { now: rows.filter((row) => row.due_now).map((row) => row.destination_id), nextAt };
}
