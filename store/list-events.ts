import { eventFilterSql, type EventFilter } from '../core/event-filter.js';
import { eventColumns, type EventRow } from './event-object.js';
import { eventIdFloor, eventIdTime } from '../core/ids.js';
import { createParams, pageOf, type Database } from './query.js';

/** Event ids from `from` (inclusive) to `to` (exclusive): ids or id floors (`eventIdFloor`). */
export interface IdRange {
  readonly from?: string;
  readonly to?: string;
}

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
export async function listEvents(db: Database, input: ListEventsInput, now = Date.now()): Promise<{ rows: EventRow[]; hasMore: boolean }> {
  const backwards = input.endingBefore !== undefined;
  const want = input.limit + 1;
  const rows: EventRow[] = [];
  for (const window of pagingWindows(input, now)) {
    const params = createParams();
    const where = [`e.organization_id = ${params.add(input.organizationId)}`, ...eventFilterSql(input.filter, params.add)];
    if (input.range.from !== undefined) where.push(`e.id >= ${params.add(input.range.from)}`);
    if (input.range.to !== undefined) where.push(`e.id < ${params.add(input.range.to)}`);
    if (input.startingAfter !== undefined) where.push(`e.id < ${params.add(input.startingAfter)}`);
    if (input.endingBefore !== undefined) where.push(`e.id > ${params.add(input.endingBefore)}`);
    if (window.fromMs !== undefined) where.push(`e.id >= ${params.add(eventIdFloor(window.fromMs))}`);
    if (window.toMs !== undefined) where.push(`e.id < ${params.add(eventIdFloor(window.toMs))}`);
    const { rows: found } = await db.query<EventRow>(
      `select ${eventColumns} from events e
        where ${where.join(' and ')}
        order by e.id ${backwards ? 'asc' : 'desc'}
        limit ${params.add(want - rows.length)}`,
      params.values,
    );
    rows.push(...found);
    if (rows.length >= want) break;
  }
  return pageOf(rows, input.limit, backwards);
}

export interface PagingWindow {
  /** Event creation times (ms) the window covers: [fromMs, toMs); absent means unbounded. */
  readonly fromMs?: number;
  readonly toMs?: number;
}

const dayMs = 86_400_000;
/** Past this many days back from where paging starts, one last window takes everything older. */
const reachDays = 400;

/**
 * The time windows a page is read through, in paging order, aligned to the UTC days the event
 * log is partitioned by. A query whose id bounds PostgreSQL knows touches only the partitions they
 * cover: planning a query over all ~90 day partitions costs ~5 ms, more than running it. So a page
 * is read from the day where it starts, then from windows that double in size further away, until
 * it is full: a busy organization's page costs one small query, a sparse filter a handful.
 */
export function* pagingWindows(
  input: Pick<ListEventsInput, 'range' | 'startingAfter' | 'endingBefore'>,
  now: number,
): Generator<PagingWindow> {
  const fromMs = input.range.from === undefined ? undefined : eventIdTime(input.range.from);
  const toMs = input.range.to === undefined ? undefined : eventIdTime(input.range.to);
  if (input.endingBefore !== undefined) {
    // Newer events after the cursor, oldest first: windows go forward in time.
    const anchor = Math.max(eventIdTime(input.endingBefore), fromMs ?? -Infinity);
    const end = Math.min(toMs ?? Infinity, now + 2 * dayMs);
    let lo: number | undefined;
    let hi = dayStart(anchor) + dayMs;
    for (let span = dayMs; hi < end && hi - anchor < reachDays * dayMs; span *= 2) {
      yield { ...(lo === undefined ? {} : { fromMs: lo }), toMs: hi };
      lo = hi;
      hi += span;
    }
    yield lo === undefined ? {} : { fromMs: lo };
    return;
  }
  // Older events, newest first: windows go back in time.
  const cursorMs = input.startingAfter === undefined ? undefined : eventIdTime(input.startingAfter);
  const anchor = Math.min(cursorMs ?? Infinity, toMs ?? Infinity, now);
  let hi: number | undefined;
  let lo = dayStart(anchor);
  for (let span = dayMs; lo > (fromMs ?? -Infinity) && anchor - lo < reachDays * dayMs; span *= 2) {
    yield { fromMs: lo, ...(hi === undefined ? {} : { toMs: hi }) };
    hi = lo;
    lo -= span;
  }
  yield hi === undefined ? {} : { toMs: hi };
}

function dayStart(ms: number): number {
  return Math.floor(ms / dayMs) * dayMs;
}
