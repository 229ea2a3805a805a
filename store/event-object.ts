import { eventIdTime } from '../core/ids.js';

/** The events table's columns as the API reads them; occurred_at keeps its microseconds. */
export const eventColumns = `e.id, e.type, e.organization_id, e.data, e.previous_attributes, e.request_id,
  to_char(e.occurred_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as occurred_at,
  e.entity_type, e.entity_id, e.action, e.source, e.severity, e.actor`;

export interface EventRow {
  readonly id: string;
  readonly type: string;
  readonly organization_id: string;
  readonly data: Record<string, unknown>;
  readonly previous_attributes: Record<string, unknown> | null;
  readonly request_id: string | null;
  readonly occurred_at: string;
  readonly entity_type: string;
  readonly entity_id: string;
  readonly action: string;
  readonly source: string;
  readonly severity: string;
  readonly actor: string | null;
}

/**
 * A stored event as the API serves it and destinations receive it: the seed's event object plus
 * the envelope's other fields. Its type is what this returns; the API's response schema (`Event`)
 * is checked against it where the routes return it.
 */
export function toEventObject(row: EventRow) {
  return {
    id: row.id,
    object: 'event' as const,
    type: row.type,
    organization_id: row.organization_id,
    data: row.data,
    previous_attributes: row.previous_attributes,
    request_id: row.request_id,
    created_at: new Date(eventIdTime(row.id)).toISOString(),
    occurred_at: row.occurred_at,
    entity_type: row.entity_type,
    entity_id: row.entity_id,
    action: row.action,
    source: row.source,
    severity: row.severity,
    actor: row.actor,
  };
}

export type EventObject = ReturnType<typeof toEventObject>;

/** What an event changed: each attribute of previous_attributes with its value before and after. */
export function changesOf(
  event: Pick<EventObject, 'data' | 'previous_attributes'>,
): { attribute: string; previous: unknown; current: unknown }[] {
  return Object.entries(event.previous_attributes ?? {}).map(([attribute, previous]) => ({
    attribute,
    previous,
    current: event.data[attribute] ?? null,
  }));
}
