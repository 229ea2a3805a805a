import { identifyingFields, searchSeparator, type EventFilter } from '../../core/event-filter.js';
import { eventColumns, type EventRow } from '../event-object.js';
import type { IdRange } from '../event-filter.js';
import { createParams, type Query } from './query.js';

export interface ListEventsInput {
  readonly organizationId: string;
  readonly filter: EventFilter;
  readonly range: IdRange;
  readonly limit: number;
  readonly startingAfter?: string | undefined;
  readonly endingBefore?: string | undefined;
}

/**
 * One page of an organization's events, newest first, by keyset on the event id: a page starts
 * strictly after (or before) its cursor, so events arriving while someone pages never shift a
 * page, and nothing is repeated or skipped. The cursor need not exist any more (retention may have
 * dropped it): it is a position, not a lookup. `has_more` is whether more events lie beyond the
 * page in the direction of paging.
 */
export async function listEvents(query: Query, input: ListEventsInput): Promise<{ rows: EventRow[]; hasMore: boolean }> {
  const params = createParams();
  const where = [`e.organization_id = ${params.add(input.organizationId)}`, ...filterConditions(input.filter, params.add)];
  if (input.range.from !== undefined) where.push(`e.id >= ${params.add(input.range.from)}`);
  if (input.range.to !== undefined) where.push(`e.id < ${params.add(input.range.to)}`);
  const backwards = input.endingBefore !== undefined;
  if (input.startingAfter !== undefined) where.push(`e.id < ${params.add(input.startingAfter)}`);
  if (input.endingBefore !== undefined) where.push(`e.id > ${params.add(input.endingBefore)}`);
  const { rows } = await query<EventRow>(
    `select ${eventColumns} from events e
      where ${where.join(' and ')}
      order by e.id ${backwards ? 'asc' : 'desc'}
      limit ${params.add(input.limit + 1)}`,
    params.values,
  );
  const hasMore = rows.length > input.limit;
  const page = rows.slice(0, input.limit);
  return { rows: backwards ? page.reverse() : page, hasMore };
}

/** SQL for the filters; core/event-filter.ts's eventMatches is the same test in memory. */
export function filterConditions(filter: EventFilter, add: (value: unknown) => string): string[] {
  const where: string[] = [];
  if (filter.types) where.push(`e.type = any(${add(filter.types)}::text[])`);
  if (filter.entityType !== undefined) where.push(`e.entity_type = ${add(filter.entityType)}`);
  if (filter.entityId !== undefined) where.push(`e.entity_id = ${add(filter.entityId)}`);
  if (filter.severities) where.push(`e.severity = any(${add(filter.severities)}::text[])`);
  if (filter.sources) where.push(`e.source = any(${add(filter.sources)}::text[])`);
  if (filter.requestId !== undefined) where.push(`e.request_id = ${add(filter.requestId)}`);
  if (filter.q !== undefined) {
    const q = add(filter.q);
    where.push(`(e.id = ${q} or strpos(${searchTextSql}, ${q}) > 0)`);
  }
  return where;
}

// Strings and numbers only, as searchText() takes them; concat_ws skips the nulls.
const searchTextSql = `lower(concat_ws(chr(${searchSeparator.charCodeAt(0)}), e.entity_id, ${identifyingFields
  .map((field) => `case when jsonb_typeof(e.data->'${field}') in ('string', 'number') then e.data->>'${field}' end`)
  .join(', ')}))`;
