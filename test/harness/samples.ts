import avro from 'avsc';
import type { AvroRecord } from '../../core/avro.js';
import { readEventSchemas } from '../../schemas/event-schemas.js';

/**
 * Valid sample entities for tests, drawn from each entity's own schema (avsc's `random()`), with
 * an id of our choosing so the entity id (the Kafka key) is known.
 */
const schemas = readEventSchemas();

function field(entity: string, name: 'data' | 'previous_attributes'): avro.Type {
  const schema = schemas.get(entity);
  if (!schema) throw new Error(`no schema for ${entity}`);
  const eventType = avro.Type.forSchema(schema as avro.Schema) as unknown as { fields: { name: string; type: avro.Type }[] };
  const found = eventType.fields.find((f) => f.name === name);
  if (!found) throw new Error(`${entity} has no ${name}`);
  return found.type;
}

export function sampleData(entity: string, id: string): Record<string, unknown> {
  return { ...(field(entity, 'data').random() as unknown as Record<string, unknown>), id };
}

/** Some previous values of an entity (a few fields, the rest null). */
export function samplePrevious(entity: string): Record<string, unknown> {
  const union = field(entity, 'previous_attributes') as unknown as { types: avro.Type[] };
  const record = union.types.find((t) => t.typeName === 'record') as avro.Type;
  return { ...(record.random() as unknown as Record<string, unknown>) };
}

/** The value as Avro gives it back: defaults filled, records as plain objects. */
export function normalise(entity: string, name: 'data' | 'previous_attributes', value: unknown): unknown {
  const type = field(entity, name);
  return JSON.parse(JSON.stringify(type.fromBuffer(type.toBuffer(value)))) as unknown;
}

export function eventSchema(entity: string): AvroRecord {
  const schema = schemas.get(entity);
  if (!schema) throw new Error(`no schema for ${entity}`);
  return schema;
}
