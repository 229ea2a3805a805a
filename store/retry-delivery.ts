import { deliveryColumns, type DeliveryRow } from './list-deliveries.js';
import type { Database } from './query.js';

/**
 * Makes a delivery due now, whatever its status, restarting its retry schedule. `in_flight`
 * when a worker holds it (an attempt is being made); undefined when there is no such delivery.
 */
export async function retryDelivery(db: Database, organizationId: string, id: string): Promise<DeliveryRow | 'in_flight' | undefined> {
  const { rows } = await db.query<DeliveryRow>(
    `update deliveries d set status = 'pending', next_attempt_at = now(), schedule_base = d.times_attempted, schedule_started_at = null, batch_id = null,
                             updated_at = now()
      where d.id = $1 and d.organization_id = $2 and (d.lease_expires_at is null or d.lease_expires_at <= now())
     returning ${deliveryColumns}`,
    [id, organizationId],
  );
  if (rows[0] !== undefined) return rows[0];
  const exists = await db.query('select 1 from deliveries where id = $1 and organization_id = $2', [id, organizationId]);
  return exists.rowCount === 0 ? undefined : 'in_flight';
}
