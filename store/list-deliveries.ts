import { createParams, pageOf, type Database } from './query.js';

/** A delivery row as the API reads it (payload and attempts are read by get-delivery.ts). */
export interface DeliveryRow {
  readonly id: string;
  readonly destination_id: string;
  readonly event_id: string;
  readonly event_type: string;
  readonly entity_type: string;
  readonly entity_id: string;
  readonly status: string;
  readonly test: boolean;
  readonly times_attempted: number;
  readonly last_attempt_at: Date | null;
  readonly next_attempt_at: Date | null;
  readonly delivered_at: Date | null;
  readonly last_status_code: number | null;
  readonly last_error: string | null;
  readonly created_at: Date;
  readonly updated_at: Date;
}

export const deliveryColumns = `d.id, d.destination_id, d.event_id, d.event_type, d.entity_type, d.entity_id, d.status, d.test,
  d.times_attempted, d.last_attempt_at, d.next_attempt_at, d.delivered_at, d.last_status_code, d.last_error, d.created_at, d.updated_at`;

export interface DeliveryFilter {
  readonly destinationId?: string | undefined;
  readonly status?: string | undefined;
  /** Concrete event types (patterns expanded). */
  readonly types?: readonly string[] | undefined;
  readonly eventId?: string | undefined;
  /** Id bounds (dlv_ ids carry their creation time): from inclusive, to exclusive. */
  readonly from?: string | undefined;
  readonly to?: string | undefined;
}

/** One page of an organization's deliveries, newest first, by keyset on the time-ordered id. */
export async function listDeliveries(
  db: Database,
  organizationId: string,
  filter: DeliveryFilter,
  limit: number,
  cursor: { startingAfter?: string | undefined; endingBefore?: string | undefined },
): Promise<{ rows: DeliveryRow[]; hasMore: boolean }> {
  const params = createParams();
  const where = [`d.organization_id = ${params.add(organizationId)}`];
  if (filter.destinationId !== undefined) where.push(`d.destination_id = ${params.add(filter.destinationId)}`);
  if (filter.status !== undefined) where.push(`d.status = ${params.add(filter.status)}`);
  if (filter.types !== undefined) where.push(`d.event_type = any(${params.add(filter.types)}::text[])`);
  if (filter.eventId !== undefined) where.push(`d.event_id = ${params.add(filter.eventId)}`);
  if (filter.from !== undefined) where.push(`d.id >= ${params.add(filter.from)}`);
  if (filter.to !== undefined) where.push(`d.id < ${params.add(filter.to)}`);
  const backwards = cursor.endingBefore !== undefined;
  const bound = cursor.startingAfter ?? cursor.endingBefore;
  if (bound !== undefined) where.push(`d.id ${backwards ? '>' : '<'} ${params.add(bound)}`);
  const { rows } = await db.query<DeliveryRow>(
    `select ${deliveryColumns} from deliveries d where ${where.join(' and ')}
      order by d.id ${backwards ? 'asc' : 'desc'} limit ${params.add(limit + 1)}`,
    params.values,
  );
  return pageOf(rows, limit, backwards);
}
