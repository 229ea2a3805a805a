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
    if ([...query.q].some((char) => char.charCodeAt(0) < 0x20 || (char.charCodeAt(0) >= 0x7f && char.charCodeAt(0) <= 0x9f)))
      throw invalidParameter('q', 'q must not contain control characters.');
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
export function parseCreatedRange(query: Partial<Record<(typeof timeParams)[number], string>>): IdRange {
  let from: number | undefined;
  let to: number | undefined;
  for (const param of timeParams) {
    const text = query[param];
    if (text === undefined) continue;
    const { ms, finer } = parseRfc3339(param, text);
    const ceil = finer ? ms + 1 : ms;
    if (param === 'created[gte]') from = Math.max(from ?? -Infinity, ceil);
    if (param === 'created[gt]') from = Math.max(from ?? -Infinity, ms + 1);
    if (param === 'created[lte]') to = Math.min(to ?? Infinity, ms + 1);
    if (param === 'created[lt]') to = Math.min(to ?? Infinity, ceil);
  }
  return {
    ...(from === undefined ? {} : { from: eventIdFloor(from) }),
    ...(to === undefined ? {} : { to: eventIdFloor(to) }),
  };
}

/**
 * The whole milliseconds since the epoch, and whether the text is finer than that (a fraction
 * beyond the third digit that is not zero). Kept apart: added together as a float, digits past
 * the seventh would be lost at today's magnitudes.
 */
function parseRfc3339(param: string, given: string): { ms: number; finer: boolean } {
  // An unencoded + in a query string arrives as a space.
  const text = given.replace(/ (\d{2}:\d{2})$/, '+$1');
  const match = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?([Zz]|[+-]\d{2}:\d{2})$/.exec(text);
  const problem = () =>
    invalidParameter(param, `${param} must be an RFC 3339 time such as 2026-11-24T10:30:00Z; got ${JSON.stringify(given)}.`);
  if (!match) throw problem();
  const [, year, month, day, hour, minute, second, fraction = '', zone] = match as unknown as string[];
  const date = new Date(Date.UTC(Number(year), Number(month) - 1, Number(day)));
  const validDate = date.getUTCFullYear() === Number(year) && date.getUTCMonth() === Number(month) - 1 && date.getUTCDate() === Number(day);
  if (!validDate || Number(hour) > 23 || Number(minute) > 59 || Number(second) > 59) throw problem();
  const seconds = Date.parse(`${year}-${month}-${day}T${hour}:${minute}:${second}${zone}`);
  if (Number.isNaN(seconds)) throw problem();
  return { ms: seconds + Number(fraction.slice(0, 3).padEnd(3, '0')), finer: /[1-9]/.test(fraction.slice(3)) };
}
