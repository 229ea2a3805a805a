import { formatMicros } from './cloudevents.js';
import type { EventEnvelope } from './event-envelope.js';

/** An envelope as `eventToJson` writes it. */
export type EventJson = Omit<EventEnvelope, 'occurred_at'> & { occurred_at: string };

/**
 * An event as JSON for people and HTTP: the Avro envelope with `occurred_at` as RFC 3339 (with
 * microseconds) instead of microseconds since the epoch, and `previous_attributes` holding only
 * the fields that changed (Avro carries every field, null when unchanged).
 */
export function eventToJson(event: EventEnvelope): EventJson;
export function eventToJson(event: Readonly<Record<string, unknown>>): Record<string, unknown>;
export function eventToJson(event: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const occurredAt = event['occurred_at'];
  const previous = event['previous_attributes'];
  return {
    ...event,
    occurred_at: typeof occurredAt === 'number' ? formatMicros(occurredAt) : occurredAt,
    previous_attributes:
      previous !== null && typeof previous === 'object'
        ? Object.fromEntries(Object.entries(previous).filter(([, value]) => value !== null))
        : (previous ?? null),
  };
}
