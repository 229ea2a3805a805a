import { eventColumns, type EventRow } from './event-object.js';
import { createParams, pageOf, type Database } from './query.js';

export interface ListEntityHistoryInput {
  readonly organizationId: string;
  readonly entityType: string;
  readonly entityId: string;
  readonly limit: number;
  readonly startingAfter?: string | undefined;
  readonly endingBefore?: string | undefined;
}

/**
 * One page of an entity's events in the entity's own order, oldest first: by occurred_at, then
 * event id, the order its state follows. A cursor is an event of the entity; its position is read
 * from the row, so a cursor from another entity or organization finds nothing and is refused.
 */
export async function listEntityHistory(
  db: Database,
  input: ListEntityHistoryInput,
): Promise<{ rows: EventRow[]; hasMore: boolean } | 'cursor_missing'> {
  const params = createParams();
  const scope = `e.organization_id = ${params.add(input.organizationId)} and e.entity_type = ${params.add(input.entityType)} and e.entity_id = ${params.add(input.entityId)}`;
  const cursorId = input.startingAfter ?? input.endingBefore;
  const backwards = input.endingBefore !== undefined;
  let cursor = '';
  if (cursorId !== undefined) {
    const { rows } = await db.query<{ found: boolean }>(
      `select true as found from events e where ${scope} and e.id = ${params.add(cursorId)}`,
      params.values,
    );
    if (rows.length === 0) return 'cursor_missing';
    const id = `$${params.values.length}`;
    cursor = ` and (e.occurred_at, e.id) ${backwards ? '<' : '>'} (select c.occurred_at, c.id from events c where c.id = ${id} and c.organization_id = $1)`;
  }
  const { rows } = await db.query<EventRow>(
    `select ${eventColumns} from events e
      where ${scope}${cursor}
      order by e.occurred_at ${backwards ? 'desc' : 'asc'}, e.id ${backwards ? 'desc' : 'asc'}
      limit ${params.add(input.limit + 1)}`,
    params.values,
  );
  return pageOf(rows, input.limit, backwards);
}
