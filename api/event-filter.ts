import { eventSeverities, eventSources } from '../core/event-schema.js';
import type { EventFilter } from '../core/event-filter.js';
import { expandPatterns } from '../core/event-types.js';
import { eventIdFloor } from '../core/ids.js';
import { invalidParameter } from './errors.js';
import type { ListEventsQuery, StreamQuery } from './schemas.js';

/** What the filters are checked against: the catalogue's types and entities. */
export interface FilterCatalogue {
  readonly types: readonly string[];
  readonly entities: ReadonlySet<string>;
}

/** `a,b` and repeated parameters alike, trimmed, empty items dropped. */
function splitList(values: readonly string[] | undefined): string[] | undefined {
  if (values === undefined) return undefined;
  const items = values
    .flatMap((value) => value.split(','))
    .map((item) => item.trim())
    .filter((item) => item !== '');
  return items.length > 0 ? items : undefined;
}

function checkedList(param: string, values: readonly string[] | undefined, allowed: readonly string[]): string[] | undefined {
  const items = splitList(values);
  for (const item of items ?? []) {
    if (!allowed.includes(item))
      throw invalidParameter(param, `${param} must be one of ${allowed.join(', ')}; got ${JSON.stringify(item)}.`);
  }
  return items;
}

/** Checks and normalises the filters shared by the list and the live tail. */
export function parseEventFilter(query: ListEventsQuery | StreamQuery, catalogue: FilterCatalogue): EventFilter {
  const filter: { -readonly [K in keyof EventFilter]: EventFilter[K] } = {};
  const patterns = splitList(query.type);
  if (patterns) {
    const expanded = expandPatterns(patterns, catalogue.types);
    if ('unknown' in expanded) {
      throw invalidParameter(
        'type',
        `No event type matches ${JSON.stringify(expanded.unknown)}; use a type from GET /api/v1/event-types or a prefix pattern such as invoice.*.`,
        'event_type_unknown',
      );
    }
    filter.types = expanded.types;
  }
  if (query.entity_type !== undefined) {
    if (!catalogue.entities.has(query.entity_type)) {
      throw invalidParameter(
        'entity_type',
        `Unknown entity type ${JSON.stringify(query.entity_type)}; see GET /api/v1/event-types.`,
        'entity_type_unknown',
      );
    }
    filter.entityType = query.entity_type;
  }
  if (query.entity_id !== undefined) filter.entityId = query.entity_id;
  const severities = checkedList('severity', query.severity, eventSeverities);
  if (severities) filter.severities = severities;
  const sources = checkedList('source', query.source, eventSources);
  if (sources) filter.sources = sources;
  if (query.request_id !== undefined) filter.requestId = query.request_id;
  if (query.q !== undefined) {
    if ([...query.q].some((char) => char.charCodeAt(0) < 0x20)) throw invalidParameter('q', 'q must not contain control characters.');
    filter.q = query.q.toLowerCase();
  }
  return filter;
}

/** Event id bounds: the list's time filters, as id ranges (ids carry their creation time). */
export interface IdRange {
  /** Ids at or above. */
  readonly from?: string;
  /** Ids below. */
  readonly to?: string;
}

const timeParams = ['created[gte]', 'created[gt]', 'created[lte]', 'created[lt]'] as const;

/**
 * Reads the created[…] bounds. Creation times are whole milliseconds, so a bound with a finer
 * fraction rounds the way that keeps its meaning (created[gt]=…00.0005Z excludes …00.000Z).
 */
export function parseCreatedRange(query: ListEventsQuery): IdRange {
  let from: number | undefined;
  let to: number | undefined;
  for (const param of timeParams) {
    const text = query[param];
    if (text === undefined) continue;
    const ms = parseRfc3339(param, text);
    if (param === 'created[gte]') from = Math.max(from ?? -Infinity, Math.ceil(ms));
    if (param === 'created[gt]') from = Math.max(from ?? -Infinity, Math.floor(ms) + 1);
    if (param === 'created[lte]') to = Math.min(to ?? Infinity, Math.floor(ms) + 1);
    if (param === 'created[lt]') to = Math.min(to ?? Infinity, Math.ceil(ms));
  }
  return {
    ...(from === undefined ? {} : { from: eventIdFloor(from) }),
    ...(to === undefined ? {} : { to: eventIdFloor(to) }),
  };
}

/** Milliseconds since the epoch, with the fraction beyond the millisecond kept. */
function parseRfc3339(param: string, given: string): number {
  // An unencoded + in a query string arrives as a space.
  const text = given.replace(/ (\d{2}:\d{2})$/, '+$1');
  const match = /^(.*?:\d{2})(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/.exec(text);
  const seconds = match ? Date.parse(`${match[1]}${match[3]}`) : Number.NaN;
  if (!match || Number.isNaN(seconds) || !validCalendar(text)) {
    throw invalidParameter(param, `${param} must be an RFC 3339 time such as 2026-11-24T10:30:00Z; got ${JSON.stringify(text)}.`);
  }
  return seconds + Number(`0${match[2] ?? ''}`) * 1000;
}

/** Date.parse accepts 2026-02-31 (rolling it over); a real calendar date does not. */
function validCalendar(text: string): boolean {
  const [year, month, day] = text.slice(0, 10).split('-').map(Number) as [number, number, number];
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}
