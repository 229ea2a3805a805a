import type { EntityRow } from './get-entity.js';
import { createParams, pageOf, type Database } from './query.js';

export interface EntityListRow extends EntityRow {
  readonly last_event_type: string;
}

export interface ListEntitiesInput {
  readonly organizationId: string;
  readonly entityType: string;
  /** A case-insensitive part of the entity id. */
  readonly q?: string | undefined;
  readonly limit: number;
  readonly startingAfter?: string | undefined;
  readonly endingBefore?: string | undefined;
}

/**
 * One page of an organization's entities of one type, newest change first (last_occurred_at,
 * then entity id, both descending). A cursor is an entity id of that type and organization; its
 * position is read from its row, so one that does not exist is refused ('cursor_missing').
 */
export async function listEntities(
  db: Database,
  input: ListEntitiesInput,
): Promise<{ rows: EntityListRow[]; hasMore: boolean } | 'cursor_missing'> {
  const params = createParams();
  const where = [`n.organization_id = ${params.add(input.organizationId)}`, `n.entity_type = ${params.add(input.entityType)}`];
  if (input.q !== undefined) where.push(`strpos(lower(n.entity_id), lower(${params.add(input.q)})) > 0`);
  const cursorId = input.startingAfter ?? input.endingBefore;
  const backwards = input.endingBefore !== undefined;
  if (cursorId !== undefined) {
    const { rows } = await db.query('select 1 from entities where organization_id = $1 and entity_type = $2 and entity_id = $3', [
      input.organizationId,
      input.entityType,
      cursorId,
    ]);
    if (rows.length === 0) return 'cursor_missing';
    where.push(
      `(n.last_occurred_at, n.entity_id) ${backwards ? '>' : '<'}
        (select c.last_occurred_at, c.entity_id from entities c where c.organization_id = $1 and c.entity_type = $2 and c.entity_id = ${params.add(cursorId)})`,
    );
  }
  const order = backwards ? 'asc' : 'desc';
  const { rows } = await db.query<EntityListRow>(
    `select n.organization_id, n.entity_type, n.entity_id, n.data, n.deleted, n.version, n.last_event_id, n.last_event_type,
            n.created_at, n.updated_at
       from entities n
      where ${where.join(' and ')}
      order by n.last_occurred_at ${order}, n.entity_id ${order}
      limit ${params.add(input.limit + 1)}`,
    params.values,
  );
  return pageOf(rows, input.limit, backwards);
}
