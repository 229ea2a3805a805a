import type { EventEnvelope } from './event-envelope.js';
import { eventSeverities, eventSources, type EventSeverity, type EventSource } from './event-schema.js';
import { createEventId, isEventId } from './ids.js';
import type { ValueProblem } from './validate-value.js';

/**
 * Turns what a producer hands to `publish` into the Avro envelope: fills `id`, `occurred_at`,
 * `entity_type`, `action`, `entity_id` and the catalogue's defaults, and checks the rules the
 * schema alone cannot express. Pure: the clock and the id factory are parameters.
 */
export interface EventInput {
  readonly organization_id: string;
  readonly data: Readonly<Record<string, unknown>>;
  /** Defaults to `data.id`; when given it must equal it (it is the Kafka key). */
  readonly entity_id?: string | undefined;
  readonly previous_attributes?: Readonly<Record<string, unknown>> | null | undefined;
  /** Defaults to a new `evt_` + UUIDv7. Set it to make a retried publish idempotent downstream. */
  readonly id?: string | undefined;
  /** A Date, an RFC 3339 string or ms since the epoch; defaults to now. */
  readonly occurred_at?: Date | string | number | undefined;
  readonly source?: EventSource | undefined;
  readonly severity?: EventSeverity | undefined;
  readonly request_id?: string | null | undefined;
  readonly actor?: string | null | undefined;
}

export interface EventTypeInfo {
  readonly entity: string;
  readonly severity: EventSeverity;
  readonly source: EventSource;
}

export type BuildEventResult = { ok: true; event: EventEnvelope } | { ok: false; problems: ValueProblem[] };

/** Actions that bring an entity into being: they have nothing "previous". */
const creatingActions = new Set(['created']);

export function buildEvent(type: string, info: EventTypeInfo, input: EventInput, now: () => number = Date.now): BuildEventResult {
  const problems: ValueProblem[] = [];
  if (typeof input !== 'object' || input === null) return { ok: false, problems: [{ path: '(event)', message: 'must be an object' }] };
  const action = type.slice(info.entity.length + 1);

  if (typeof input.organization_id !== 'string' || input.organization_id.trim() === '') {
    problems.push({ path: 'organization_id', message: 'required: the tenant the event belongs to' });
  }
  const data = input.data;
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    problems.push({ path: 'data', message: `required: the ${info.entity} as it is after the event, an object` });
  }
  const dataId = typeof data === 'object' && data !== null ? data['id'] : undefined;
  const entityId = input.entity_id ?? (typeof dataId === 'string' ? dataId : undefined);
  if (input.entity_id !== undefined && dataId !== undefined && input.entity_id !== dataId) {
    problems.push({
      path: 'entity_id',
      message: `${JSON.stringify(input.entity_id)} differs from data.id ${JSON.stringify(dataId)}; they must be equal (the entity id is the Kafka key)`,
    });
  }
  if (input.entity_id === undefined && dataId !== undefined && dataId !== null && typeof dataId !== 'string') {
    // An id given as another type than text: saying it is missing would send the caller looking for it.
    problems.push({
      path: 'data.id',
      message: `must be a string, the ${info.entity}'s id (got ${Array.isArray(dataId) ? 'an array' : typeof dataId})`,
    });
  } else if (entityId === undefined || entityId === '') {
    problems.push({ path: 'entity_id', message: 'required: set data.id (or entity_id)' });
  }

  if (creatingActions.has(action) && input.previous_attributes !== undefined && input.previous_attributes !== null) {
    problems.push({ path: 'previous_attributes', message: `must be absent on ${type}: a created entity has no previous values` });
  }
  if (input.id !== undefined && !isEventId(input.id)) {
    problems.push({ path: 'id', message: `${JSON.stringify(input.id)} is not an event id (evt_ + UUIDv7); leave it out to have one made` });
  }
  const occurredAt = toMicros(input.occurred_at, now);
  if (occurredAt === undefined) {
    problems.push({
      path: 'occurred_at',
      message: `${JSON.stringify(input.occurred_at)} is not a Date, an RFC 3339 time or ms since the epoch`,
    });
  }
  if (input.source !== undefined && !eventSources.includes(input.source)) {
    problems.push({ path: 'source', message: `${JSON.stringify(input.source)} is not one of ${eventSources.join(', ')}` });
  }
  if (input.severity !== undefined && !eventSeverities.includes(input.severity)) {
    problems.push({ path: 'severity', message: `${JSON.stringify(input.severity)} is not one of ${eventSeverities.join(', ')}` });
  }
  if (problems.length > 0) return { ok: false, problems };

  return {
    ok: true,
    event: {
      id: input.id ?? createEventId(),
      type,
      occurred_at: occurredAt as number,
      organization_id: input.organization_id,
      entity_type: info.entity,
      entity_id: entityId as string,
      action,
      source: input.source ?? info.source,
      severity: input.severity ?? info.severity,
      request_id: input.request_id ?? null,
      actor: input.actor ?? null,
      data: data,
      previous_attributes: (input.previous_attributes as Record<string, unknown> | null | undefined) ?? null,
    },
  };
}

const rfc3339 = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.(\d{1,9}))?([Zz]|[+-]\d{2}:\d{2})$/;

/** Microseconds since the epoch, keeping the microseconds an RFC 3339 string carries. */
export function toMicros(value: Date | string | number | undefined, now: () => number = Date.now): number | undefined {
  if (value === undefined) return now() * 1000;
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? undefined : value.getTime() * 1000;
  if (typeof value === 'number') return Number.isFinite(value) && value >= 0 ? Math.round(value * 1000) : undefined;
  if (typeof value !== 'string') return undefined;
  const match = rfc3339.exec(value);
  if (!match) return undefined;
  const millis = Date.parse(value);
  if (Number.isNaN(millis)) return undefined;
  const fraction = (match[2] ?? '').padEnd(6, '0').slice(0, 6);
  return Math.floor(millis / 1000) * 1_000_000 + Number(fraction);
}
