import { readEventFilter, type EventFilter, type FilterCatalogue, type FilterQuery } from '../core/event-filter.js';
import { eventIdFloor } from '../core/ids.js';
import type { IdRange } from '../store/list-events.js';
import { invalidParameter } from './errors.js';

export type { FilterCatalogue } from '../core/event-filter.js';
export type { IdRange } from '../store/list-events.js';

/** Checks and normalises the filters shared by the list and the live tail (core/event-filter.ts describes each). */
export function parseEventFilter(query: FilterQuery, catalogue: FilterCatalogue): EventFilter {
  return readEventFilter(query, catalogue, (param, message, code) => {
    throw invalidParameter(param, message, code);
  });
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
