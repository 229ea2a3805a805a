import { eventSeverities, eventSources, type EventSeverity, type EventSource } from './event-schema.js';
import { eventIdTime, isEventId } from './ids.js';

/**
 * The envelope as Avro encodes it (`occurred_at` in microseconds since the epoch): what a
 * producer publishes and a consumer decodes. A type alias, not an interface, so an envelope is
 * also a `Record<string, unknown>` to the functions that read any record.
 */
export type EventEnvelope = {
  id: string;
  type: string;
  occurred_at: number;
  organization_id: string;
  entity_type: string;
  entity_id: string;
  action: string;
  source: EventSource;
  severity: EventSeverity;
  request_id: string | null;
  actor: string | null;
  data: Record<string, unknown>;
  previous_attributes: Record<string, unknown> | null;
};

const textFields = ['id', 'type', 'organization_id', 'entity_type', 'entity_id', 'action'] as const;
const optionalTextFields = ['request_id', 'actor'] as const;

/**
 * A decoded record as an envelope, or every way it is not one. The registered schemas give a
 * record these types; checking them once here lets consumers read fields without casting them.
 * What the fields must say about each other and the topic is `envelopeProblems`' part.
 */
export function readEnvelope(
  record: Readonly<Record<string, unknown>>,
): { ok: true; event: EventEnvelope } | { ok: false; problems: string[] } {
  const problems: string[] = [];
  const shown = (name: string) => `${name} ${JSON.stringify(record[name]) ?? 'undefined'}`;
  for (const name of textFields) if (typeof record[name] !== 'string') problems.push(`${shown(name)} is not a string`);
  for (const name of optionalTextFields)
    if (record[name] !== null && typeof record[name] !== 'string') problems.push(`${shown(name)} is neither a string nor null`);
  if (typeof record['occurred_at'] !== 'number') problems.push(`${shown('occurred_at')} is not microseconds since the epoch`);
  if (!(eventSources as readonly unknown[]).includes(record['source']))
    problems.push(`${shown('source')} is not one of ${eventSources.join(', ')}`);
  if (!(eventSeverities as readonly unknown[]).includes(record['severity']))
    problems.push(`${shown('severity')} is not one of ${eventSeverities.join(', ')}`);
  if (!isObject(record['data'])) problems.push(`${shown('data')} is not an object`);
  if (record['previous_attributes'] !== null && !isObject(record['previous_attributes']))
    problems.push(`${shown('previous_attributes')} is neither an object nor null`);
  return problems.length > 0 ? { ok: false, problems } : { ok: true, event: record as EventEnvelope };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** How far ahead of this process's clock an event id's time may be (producers' clocks drift). */
export const maxClockSkewMs = 86_400_000;

/**
 * Checks what the Avro schema cannot: the envelope's fields agree with each other and with the
 * topic. Returns the problems, empty when the event can be stored.
 */
export function envelopeProblems(event: Readonly<Record<string, unknown>>, entityType: string, now: number): string[] {
  const problems: string[] = [];
  const text = (name: string) => (typeof event[name] === 'string' ? event[name] : '');
  const id = text('id');
  if (!isEventId(id)) problems.push(`id ${JSON.stringify(event['id'])} is not an event id (evt_ + UUIDv7)`);
  else if (eventIdTime(id) > now + maxClockSkewMs)
    problems.push(`id ${id} was made at ${new Date(eventIdTime(id)).toISOString()}, more than a day ahead of this clock`);
  if (text('entity_type') !== entityType)
    problems.push(`entity_type ${JSON.stringify(event['entity_type'])} is not the topic's entity ${JSON.stringify(entityType)}`);
  if (text('type') !== `${text('entity_type')}.${text('action')}`)
    problems.push(`type ${JSON.stringify(event['type'])} is not <entity_type>.<action> (${text('entity_type')}.${text('action')})`);
  if (text('organization_id').trim() === '') problems.push('organization_id is empty');
  if (text('entity_id') === '') problems.push('entity_id is empty');
  const data = event['data'];
  const dataId = data !== null && typeof data === 'object' ? (data as Record<string, unknown>)['id'] : undefined;
  if (typeof dataId === 'string' && dataId !== text('entity_id'))
    problems.push(`entity_id ${JSON.stringify(event['entity_id'])} differs from data.id ${JSON.stringify(dataId)}`);
  return problems;
}
