import type { EventEnvelope } from '../../core/event-envelope.js';
import { eventToJson } from '../../core/event-json.js';
import type { DeadLetterRow } from '../../store/insert-dead-letters.js';
import type { LoggedEventRow } from '../../store/insert-events.js';
import type { UndecodableCode } from '../event-decoder.js';

/** Why a record was not materialised. `rejected` is PostgreSQL refusing a value (e.g. a NUL in a string). */
export type DeadLetterCode = UndecodableCode | 'invalid' | 'rejected';

/** A record as fetched, kept byte for byte for the dead-letter topic and table. */
export interface RawRecord extends Omit<DeadLetterRow, 'headers' | 'code' | 'reason'> {
  /** As kafkajs gives them (Buffers); turned into text only for a dead letter. */
  readonly headers: Readonly<Record<string, unknown>> | undefined;
}

/** The original record, headers as text, with the reason it could not be materialised. */
export interface DeadLetter extends DeadLetterRow {
  readonly code: DeadLetterCode;
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

/** The row of a decoded, valid event. */
export function toEventRow(event: EventEnvelope, schemaId: number, origin: RecordOrigin): LoggedEventRow {
  return {
    ...eventToJson(event),
    schema_id: schemaId,
    topic: origin.topic,
    kafka_partition: origin.partition,
    kafka_offset: origin.offset,
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
