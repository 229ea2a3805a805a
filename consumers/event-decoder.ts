import avro from 'avsc';
import { readEnvelope, type EventEnvelope } from '../core/event-envelope.js';
import { decodeWireFormat } from '../core/wire-format.js';
import { RegistryError, registryErrorCodes } from '../adapters/errors.js';
import type { RegistryClient } from '../adapters/registry.js';

/**
 * Decodes a record value in the Confluent wire format with the writer's schema, fetched from the
 * registry by the id in the value and cached (one registry call per schema id, ever), into an
 * event envelope. Returns a reason instead of throwing for bytes that can never be an event (not
 * the wire format, a schema id the registry does not know, a body the schema cannot read, a
 * record that is not an envelope), so a caller can dead-letter them; other registry failures
 * throw (they are retriable).
 */
export type UndecodableCode = 'wire_format' | 'unknown_schema' | 'undecodable' | 'invalid';
export type DecodeResult = { ok: true; schemaId: number; event: EventEnvelope } | { ok: false; code: UndecodableCode; reason: string };

export interface EventDecoder {
  decode(value: Buffer | null): Promise<DecodeResult>;
}

export function createEventDecoder(registry: RegistryClient): EventDecoder {
  const types = new Map<number, Promise<avro.Type>>();
  const writerType = (id: number): Promise<avro.Type> => {
    let type = types.get(id);
    if (!type) {
      type = registry.schemaById(id).then((schema) => avro.Type.forSchema(JSON.parse(schema) as avro.Schema));
      types.set(id, type);
      type.catch(() => types.delete(id));
    }
    return type;
  };

  return {
    async decode(value) {
      const framed = decodeWireFormat(value);
      if (!framed.ok) return { ok: false, code: 'wire_format', reason: framed.reason };
      let type: avro.Type;
      try {
        type = await writerType(framed.schemaId);
      } catch (error) {
        if (error instanceof RegistryError && error.code === registryErrorCodes.unknownSchemaId)
          return { ok: false, code: 'unknown_schema', reason: error.message };
        throw error;
      }
      let decoded: Record<string, unknown>;
      try {
        decoded = plain(type.fromBuffer(framed.body) as Record<string, unknown>);
      } catch (error) {
        return {
          ok: false,
          code: 'undecodable',
          reason: `the body does not decode with schema id ${framed.schemaId}: ${(error as Error).message}`,
        };
      }
      const envelope = readEnvelope(decoded);
      if (!envelope.ok) return { ok: false, code: 'invalid', reason: `the event fails validation: ${envelope.problems.join('; ')}` };
      return { ok: true, schemaId: framed.schemaId, event: envelope.event };
    },
  };
}

/** avsc returns records as class instances; callers want plain objects (bytes as base64). */
function plain(value: Record<string, unknown>): Record<string, unknown> {
  return copy(value) as Record<string, unknown>;
}

// A loop over own keys, not Object.fromEntries(Object.entries(…)): the materializer copies every
// field of every record, and the intermediate pairs were a large share of its garbage.
function copy(value: unknown): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (Buffer.isBuffer(value)) return value.toString('base64');
  if (Array.isArray(value)) return value.map(copy);
  const source = value as Record<string, unknown>;
  const result: Record<string, unknown> = {};
  for (const key of Object.keys(source)) result[key] = copy(source[key]);
  return result;
}
