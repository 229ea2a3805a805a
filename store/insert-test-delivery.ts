import { deliveryColumns, type DeliveryRow } from './list-deliveries.js';
import type { Database } from './query.js';

/** A delivery of a sample event to one destination, due now (POST /destinations/{id}/test). */
export async function insertTestDelivery(
  db: Database,
  delivery: { id: string; organizationId: string; destinationId: string; event: Record<string, unknown> },
): Promise<DeliveryRow> {
  const event = delivery.event;
  const { rows } = await db.query<DeliveryRow>(
    `insert into deliveries as d (id, organization_id, destination_id, event_id, event_type, entity_type, entity_id, payload, test, next_attempt_at)
     values ($1, $2, $3, $4, $5, $6, $7, $8, true, now()) returning ${deliveryColumns}`,
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
