import type { Database } from './query.js';

/**
 * Makes a destination's settled deliveries recorded in [since, until) due again, restarting
 * their schedules: the failed ones, or every settled one (`all`). Their webhook-ids stay, so a
 * receiver that keeps them sees a resend of what it already has. Returns how many.
 */
export async function replayDeliveries(
  db: Database,
  organizationId: string,
  destinationId: string,
  window: { since: Date; until: Date; status: 'failed' | 'all' },
): Promise<number> {
  const { rowCount } = await db.query(
    `update deliveries set status = 'pending', next_attempt_at = now(), schedule_base = times_attempted, schedule_started_at = null, batch_id = null, updated_at = now()
      where organization_id = $1 and destination_id = $2 and created_at >= $3 and created_at < $4
        and status = any($5::text[])`,
    [organizationId, destinationId, window.since, window.until, window.status === 'all' ? ['delivered', 'failed'] : ['failed']],
  );
  return rowCount ?? 0;
}
