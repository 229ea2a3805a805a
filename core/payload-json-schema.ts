import type { AvroRecord, AvroType } from './avro.js';
import { cloudEventsDataContentType, type PayloadShape } from './payload-shape.js';
import { cloudEventsSpecVersion } from './cloudevents.js';

/**
 * The JSON Schema (2020-12) of the body a destination receives, derived from the subscribed types'
 * event schemas (schemas/generated/events): what GET /destinations/{id}/payload-schema answers, so
 * a receiver can validate or generate types for exactly what it is sent. Pure.
 */
export type JsonSchema = Record<string, unknown>;

/** Each subscribed type with its entity's full event schema. */
export interface TypedSchema {
  readonly type: string;
  readonly schema: AvroRecord;
}

const text = { type: 'string' };
const nullableText = { type: ['string', 'null'] };

/** The envelope of the event object (store/event-object.ts), around `data` and `previous_attributes`. */
const envelope: Readonly<Record<string, JsonSchema>> = {
  id: text,
  object: { const: 'event' },
  organization_id: text,
  created_at: { type: 'string', format: 'date-time' },
  occurred_at: { type: 'string', format: 'date-time' },
  entity_type: text,
  entity_id: text,
  action: text,
  source: text,
  severity: text,
  request_id: nullableText,
  actor: nullableText,
};

/** The schema of the body for this shape; one alternative per subscribed type (`oneOf` on `type`). */
export function payloadJsonSchema(shape: PayloadShape, types: readonly TypedSchema[]): JsonSchema {
  const variants = types.map(({ type, schema }) => ({ type, object: eventObjectSchema(type, schema) }));
  const body = (of: (variant: (typeof variants)[number]) => JsonSchema): JsonSchema =>
    variants.length === 1 ? of(variants[0] as (typeof variants)[number]) : { oneOf: variants.map(of) };
  const head = { $schema: 'https://json-schema.org/draft/2020-12/schema' };
  if (shape === 'event') return { ...head, ...body((variant) => variant.object) };
  if (shape === 'cloudevents') {
    return {
      ...head,
      ...body((variant) =>
        objectOf(
          {
            specversion: { const: cloudEventsSpecVersion },
            id: text,
            source: { type: 'string', format: 'uri-reference' },
            type: { const: variant.type },
            subject: text,
            time: { type: 'string', format: 'date-time' },
            datacontenttype: { const: cloudEventsDataContentType },
            orgid: text,
            severity: text,
            entitytype: text,
            requestid: text,
            data: propertyOf(variant.object, 'data') ?? {},
          },
          ['requestid'],
        ),
      ),
    };
  }
  return { ...head, ...body((variant) => projectSchema(variant.object, shape.fields)) };
}

/** The event object of one type: the envelope, its `type`, and the Avro record's data. */
function eventObjectSchema(type: string, schema: AvroRecord): JsonSchema {
  const named = new Map<string, AvroType>();
  const properties: Record<string, JsonSchema> = { ...envelope, type: { const: type } };
  for (const field of schema.fields)
    if (field.name === 'data' || field.name === 'previous_attributes') properties[field.name] = avroJsonSchema(field.type, named);
  return objectOf(properties);
}

/** Only the projected paths, nested; a path a type may lack is optional. */
function projectSchema(object: JsonSchema, fields: readonly string[]): JsonSchema {
  const out: JsonSchema = objectOf({}, []);
  for (const path of fields) {
    let source: JsonSchema | undefined = object;
    let target = out;
    const names = path.split('.');
    for (const [index, name] of names.entries()) {
      source = source === undefined ? undefined : propertyOf(source, name);
      const properties = target['properties'] as Record<string, JsonSchema>;
      if (index === names.length - 1) properties[name] = source ?? {};
      else target = properties[name] ??= objectOf({}, []);
    }
  }
  return out;
}

/** A property of an object schema, looking through a nullable union. */
function propertyOf(schema: JsonSchema, name: string): JsonSchema | undefined {
  const objects = (schema['anyOf'] as JsonSchema[] | undefined) ?? [schema];
  for (const candidate of objects) {
    const properties = candidate['properties'] as Record<string, JsonSchema> | undefined;
    if (properties?.[name] !== undefined) return properties[name];
    if (typeof candidate['additionalProperties'] === 'object') return candidate['additionalProperties'] as JsonSchema;
  }
  return undefined;
}

function objectOf(properties: Record<string, JsonSchema>, optional?: readonly string[]): JsonSchema {
  const required = optional === undefined ? Object.keys(properties) : Object.keys(properties).filter((name) => !optional.includes(name));
  return { type: 'object', properties, ...(optional === undefined || required.length > 0 ? { required } : {}) };
}

/** An Avro type as JSON carries it (avsc's JSON encoding of the event object). */
export function avroJsonSchema(type: AvroType, named: Map<string, AvroType>): JsonSchema {
  if (Array.isArray(type)) return { anyOf: type.map((member) => avroJsonSchema(member, named)) };
  if (typeof type === 'string') {
    switch (type) {
      case 'null':
        return { type: 'null' };
      case 'boolean':
        return { type: 'boolean' };
      case 'int':
      case 'long':
        return { type: 'integer' };
      case 'float':
      case 'double':
        return { type: 'number' };
      case 'string':
      case 'bytes':
        return { type: 'string' };
      default: {
        const found = named.get(type);
        return found === undefined ? {} : avroJsonSchema(found, named);
      }
    }
  }
  switch (type.type) {
    case 'record': {
      named.set(type.name, type);
      if (type.namespace !== undefined) named.set(`${type.namespace}.${type.name}`, type);
      return objectOf(Object.fromEntries(type.fields.map((field) => [field.name, avroJsonSchema(field.type, named)])));
    }
    case 'enum':
      named.set(type.name, type);
      return { type: 'string', enum: type.symbols };
    case 'array':
      return { type: 'array', items: avroJsonSchema(type.items, named) };
    case 'map':
      return { type: 'object', additionalProperties: avroJsonSchema(type.values, named) };
    default:
      // Logical types (a timestamp as a long): JSON carries them as numbers or ISO text.
      return { type: ['integer', 'string'] };
  }
}
