import { formatMicros } from '../../core/cloudevents.js';
import { eventToJson } from '../../core/event-json.js';
import { isEventId } from '../../core/ids.js';
import type { UndecodableCode } from '../event-decoder.js';
import { eventIdTime } from './partitions.js';

/** One event as the log stores it; `data` and `previousAttributes` are JSON text. */
export interface EventRow {
  readonly id: string;
  readonly type: string;
  readonly entityType: string;
  readonly entityId: string;
  readonly action: string;
  readonly organizationId: string;
  /** RFC 3339 with microseconds. */
  readonly occurredAt: string;
  readonly source: string;
  readonly severity: string;
  readonly requestId: string | null;
  readonly actor: string | null;
  readonly data: string;
  readonly previousAttributes: string | null;
  readonly schemaId: number;
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  /** Creation time of the id, in ms (which day partition it belongs to). */
  readonly idTime: number;
}

/** Why a record was not materialised. `rejected` is PostgreSQL refusing a value (e.g. a NUL in a string). */
export type DeadLetterCode = UndecodableCode | 'invalid' | 'rejected';

/** A record as fetched, kept byte for byte for the dead-letter topic and table. */
export interface RawRecord {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  /** The record's timestamp, ms since the epoch, as Kafka gives it. */
  readonly timestamp: string;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  /** As kafkajs gives them (Buffers); turned into text only for a dead letter. */
  readonly headers: Readonly<Record<string, unknown>> | undefined;
}

/** The original record, headers as text, with the reason it could not be materialised. */
export interface DeadLetter extends Omit<RawRecord, 'headers'> {
  readonly headers: Readonly<Record<string, string>>;
  readonly code: DeadLetterCode;
  readonly reason: string;
}

export function deadLetter(record: RawRecord, code: DeadLetterCode, reason: string): DeadLetter {
  return { ...record, headers: headersAsText(record.headers), code, reason };
}

/** Where a record came from. */
export interface RecordOrigin {
  readonly topic: string;
  /** The entity type every event on the topic is about. */
  readonly entityType: string;
  readonly partition: number;
  readonly offset: string;
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

/** The row of a decoded, valid event. */
export function toEventRow(event: Readonly<Record<string, unknown>>, schemaId: number, origin: RecordOrigin): EventRow {
  const json = eventToJson(event);
  const previous = json['previous_attributes'] as Record<string, unknown> | null;
  const id = event['id'] as string;
  return {
    id,
    type: event['type'] as string,
    entityType: event['entity_type'] as string,
    entityId: event['entity_id'] as string,
    action: event['action'] as string,
    organizationId: event['organization_id'] as string,
    occurredAt: formatMicros(event['occurred_at'] as number),
    source: event['source'] as string,
    severity: event['severity'] as string,
    requestId: (event['request_id'] as string | null) ?? null,
    actor: (event['actor'] as string | null) ?? null,
    data: JSON.stringify(json['data']),
    previousAttributes: previous === null ? null : JSON.stringify(previous),
    schemaId,
    topic: origin.topic,
    partition: origin.partition,
    offset: origin.offset,
    idTime: eventIdTime(id),
  };
}

/** Record headers as text (kafkajs gives Buffers, arrays for repeated keys). */
export function headersAsText(headers: Readonly<Record<string, unknown>> | undefined): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    if (value === undefined) continue;
    const values = Array.isArray(value) ? value : [value];
    result[name] = values.map((item) => (Buffer.isBuffer(item) ? item.toString('utf8') : String(item))).join(',');
  }
  return result;
}
