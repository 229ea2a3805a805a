import { formatMicros } from './cloudevents.js';

/**
 * An event as JSON for people and HTTP: the Avro envelope with `occurred_at` as RFC 3339 (with
 * microseconds) instead of microseconds since the epoch.
 */
export function eventToJson(event: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const occurredAt = event['occurred_at'];
  return { ...event, occurred_at: typeof occurredAt === 'number' ? formatMicros(occurredAt) : occurredAt };
}
