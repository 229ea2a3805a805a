import type { Database } from './query.js';

export interface ReplayWindow {
  readonly since: Date;
  readonly until: Date;
  readonly status: 'failed' | 'all';
  /**
   * The destination's content filter, as a test of the event object: a delivery whose event fails
   * it (the filter changed since it was recorded) is not sent again, as the fan-out would not record it now.
   */
  readonly passes?: ((event: unknown) => boolean) | undefined;
}

// Deliveries read per round when a filter must see their events.
const page = 500;

/**
 * Makes a destination's settled deliveries recorded in [since, until) due again, restarting
 * their schedules: the failed ones, or every settled one (`all`). Their webhook-ids stay, so a
 * receiver that keeps them sees a resend of what it already has. Returns how many.
 */
export async function replayDeliveries(db: Database, organizationId: string, destinationId: string, window: ReplayWindow): Promise<number> {
  const statuses = window.status === 'all' ? ['delivered', 'failed'] : ['failed'];
  const params = [organizationId, destinationId, window.since, window.until, statuses];
  const replay = `update deliveries set status = 'pending', next_attempt_at = now(), schedule_base = times_attempted, schedule_started_at = null, batch_id = null, updated_at = now()
      where organization_id = $1 and destination_id = $2 and created_at >= $3 and created_at < $4 and status = any($5::text[])`;
  if (window.passes === undefined) return (await db.query(replay, params)).rowCount ?? 0;
  let count = 0;
  let after = '';
  for (;;) {
    const { rows } = await db.query<{ id: string; test: boolean; payload: unknown }>(
      `select d.id, d.test, p.payload from deliveries d
         join delivery_payloads p on p.organization_id = d.organization_id and p.event_id = d.event_id and p.test = d.test
        where d.organization_id = $1 and d.destination_id = $2 and d.created_at >= $3 and d.created_at < $4 and d.status = any($5::text[])
          and d.id > $6 order by d.id limit ${page}`,
      [...params, after],
    );
    // A test send is the destination owner's own choice of event: replayed whatever the filter says.
    const passing = rows.filter((row) => row.test || window.passes?.(row.payload) === true).map((row) => row.id);
    if (passing.length > 0) count += (await db.query(`${replay} and id = any($6::text[])`, [...params, passing])).rowCount ?? 0;
    if (rows.length < page) return count;
    after = (rows[rows.length - 1] as { id: string }).id;
  }
}
