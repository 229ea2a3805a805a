import { deliveryColumns, type DeliveryRow } from './list-deliveries.js';
import type { Database } from './query.js';

/**
 * A delivery of a sample event to one destination, due now (POST /destinations/{id}/test), with
 * the sample stored as its payload. Each sample has an event id of its own; should one be sent
 * again, its stored payload stays and is only marked used, as a fan-out does.
 */
export async function insertTestDelivery(
  db: Database,
  delivery: { id: string; organizationId: string; destinationId: string; event: Record<string, unknown> },
): Promise<DeliveryRow> {
  const event = delivery.event;
  const { rows } = await db.query<DeliveryRow>(
    `with payload as (
       insert into delivery_payloads (organization_id, event_id, test, payload) values ($2, $4, true, $8)
       on conflict (organization_id, event_id, test) do update set used_at = now())
     insert into deliveries as d (id, organization_id, destination_id, event_id, event_type, entity_type, entity_id, test, next_attempt_at)
     values ($1, $2, $3, $4, $5, $6, $7, true, now()) returning ${deliveryColumns}`,
    [
      delivery.id,
      delivery.organizationId,
      delivery.destinationId,
      event['id'],
      event['type'],
      event['entity_type'],
      event['entity_id'],
      JSON.stringify(event),
    ],
  );
  return rows[0] as DeliveryRow;
}
