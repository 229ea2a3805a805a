import { abandonedAttemptError } from './claim-deliveries.js';
import { deliveryColumns, type DeliveryRow } from './list-deliveries.js';
import type { Database } from './query.js';

export interface AttemptRow {
  readonly attempt: number;
  readonly attempted_at: Date;
  readonly outcome: 'sending' | 'succeeded' | 'failed' | 'unknown';
  readonly duration_ms: number | null;
  readonly status_code: number | null;
  readonly error: string | null;
  readonly response_body: string | null;
  readonly batch_id: string | null;
}

/** One delivery of the organization with the event it carries and every attempt, oldest first. */
export async function getDelivery(
  db: Database,
  organizationId: string,
  id: string,
): Promise<(DeliveryRow & { payload: Record<string, unknown>; attempts: AttemptRow[] }) | undefined> {
  const { rows } = await db.query<DeliveryRow & { payload: Record<string, unknown> }>(
    `select ${deliveryColumns}, p.payload
       from deliveries d
       join delivery_payloads p on p.organization_id = d.organization_id and p.event_id = d.event_id and p.test = d.test
      where d.id = $1 and d.organization_id = $2`,
    [id, organizationId],
  );
  const row = rows[0];
  if (row === undefined) return undefined;
  // An attempt's row is written with its outcome; the one being made now is in the delivery's
  // lease: `sending` while the lease holds, `unknown` once it ran out unanswered.
  const attempts = await db.query<AttemptRow>(
    `select attempt, attempted_at, outcome, duration_ms, status_code, error, response_body, batch_id
       from delivery_attempts where delivery_id = $1
     union all
     select d.times_attempted, d.last_attempt_at, case when d.lease_expires_at >= now() then 'sending' else 'unknown' end,
            null, null, case when d.lease_expires_at >= now() then null else $2 end, null, d.batch_id
       from deliveries d
      where d.id = $1 and d.lease_owner is not null and d.times_attempted > 0 and d.status in ('pending', 'needs_retry')
        and not exists (select 1 from delivery_attempts a where a.delivery_id = d.id and a.attempt = d.times_attempted)
      order by attempt`,
    [id, abandonedAttemptError],
  );
  return { ...row, attempts: attempts.rows };
}
