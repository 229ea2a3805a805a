import { v7 as uuidv7 } from 'uuid';

/**
 * Event ids are `evt_` + a UUIDv7: unique without coordination, and ordered by creation time
 * (the first 48 bits are the Unix time in ms), so sorting ids sorts events by when they were made.
 * The shape matches the Events API's (`evt_a1b2c3d4-5678-…`).
 */
export const eventIdPrefix = 'evt_';

const eventIdPattern = /^evt_[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/**
 * Without `at`, ids from one process are strictly increasing even within one millisecond (the
 * uuid package keeps a sequence counter). With `at` (backfills, tests) the time is given and the
 * rest is random.
 */
export function createEventId(at?: number): string {
  return `${eventIdPrefix}${at === undefined ? uuidv7() : uuidv7({ msecs: at })}`;
}

export function isEventId(value: string): boolean {
  return eventIdPattern.test(value);
}

/** The creation time (ms since the epoch) carried in a UUIDv7 event id. */
export function eventIdTime(id: string): number {
  if (!isEventId(id)) throw new TypeError(`not an event id: ${JSON.stringify(id)}`);
  const hex = id.slice(eventIdPrefix.length).replaceAll('-', '').slice(0, 12);
  return parseInt(hex, 16);
}
