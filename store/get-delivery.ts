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
  const attempts = await db.query<AttemptRow>(
    `select attempt, attempted_at, outcome, duration_ms, status_code, error, response_body, batch_id
       from delivery_attempts where delivery_id = $1 order by attempt`,
    [id],
  );
  return { ...row, attempts: attempts.rows };
}
