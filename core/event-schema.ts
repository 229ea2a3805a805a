import { fullName, isNamed, type AvroField, type AvroRecord, type AvroType } from './avro.js';

/**
 * The event envelope as Avro: every entity's event schema is this envelope around the entity's own
 * record (`data`) and a nullable record of the same fields, each optional (`previous_attributes`).
 *
 * Evolution rules the registry enforces (BACKWARD by default: consumers on the new schema read
 * events written with the old one):
 * - add a field only with a default (nullable fields default to null);
 * - never remove a field that has no default, never change a field's type, never rename;
 * - add enum symbols only at the end (readers on the old schema fail on symbols they lack).
 */
export const eventSources = ['api', 'system', 'network', 'policy', 'integration'] as const;
export const eventSeverities = ['info', 'warn', 'critical'] as const;
export type EventSource = (typeof eventSources)[number];
export type EventSeverity = (typeof eventSeverities)[number];

export const eventNamespace = 'evp.events';

/** `crm.deal` → `CrmDeal`: the Avro/TypeScript name stem of an entity. */
export function entityTypeName(entity: string): string {
  return entity
    .split(/[._]/)
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('');
}

/** The record of `previous_attributes`: the entity's fields, each nullable with default null. */
export function buildPreviousRecord(data: AvroRecord): AvroRecord {
  const namespace = data.namespace;
  return {
    type: 'record',
    name: `${data.name}Previous`,
    ...(namespace === undefined ? {} : { namespace }),
    doc: `Values of ${data.name} fields as they were before an update; only changed fields are set.`,
    fields: data.fields.map((field) => {
      const type = referenceNamed(field.type, namespace);
      const members = Array.isArray(type) ? type : [type];
      return {
        name: field.name,
        type: members.includes('null') ? members : ['null', ...members],
        default: null,
      };
    }),
  };
}

/** The same type with every named type replaced by a reference to it (it is defined in `data`). */
function referenceNamed(type: AvroType, namespace: string | undefined): AvroType {
  if (Array.isArray(type)) return type.map((member) => referenceNamed(member, namespace));
  if (isNamed(type)) return fullName(type, namespace);
  if (typeof type === 'object' && type.type === 'array') return { type: 'array', items: referenceNamed(type.items, namespace) };
  if (typeof type === 'object' && type.type === 'map') return { type: 'map', values: referenceNamed(type.values, namespace) };
  return type;
}

/** The full event schema of one entity, as registered under `<prefix>.<entity>-value`. */
export function buildEventSchema(entity: string, data: AvroRecord): AvroRecord {
  const nullableString = (name: string, doc: string): AvroField => ({ name, type: ['null', 'string'], default: null, doc });
  return {
    type: 'record',
    name: `${entityTypeName(entity)}Event`,
    namespace: eventNamespace,
    doc: `An event about a ${entity}: the common envelope around the ${entity} as it is after the event.`,
    fields: [
      { name: 'id', type: 'string', doc: 'evt_ + UUIDv7; the idempotency key downstream' },
      { name: 'type', type: 'string', doc: `<entity>.<action>, e.g. ${entity}.created` },
      { name: 'occurred_at', type: { type: 'long', logicalType: 'timestamp-micros' }, doc: 'when it happened' },
      { name: 'organization_id', type: 'string', doc: 'the tenant it belongs to' },
      { name: 'entity_type', type: 'string', doc: `always "${entity}" on this topic` },
      { name: 'entity_id', type: 'string', doc: 'the id of the entity; equals data.id; the Kafka key' },
      { name: 'action', type: 'string', doc: 'created / updated / deleted / …: the type without its entity' },
      {
        name: 'source',
        type: { type: 'enum', name: 'EventSource', symbols: [...eventSources], default: 'system' },
        doc: 'what triggered it',
        default: 'system',
      },
      {
        name: 'severity',
        type: { type: 'enum', name: 'EventSeverity', symbols: [...eventSeverities], default: 'info' },
        doc: 'info: expected; warn: unusual; critical: needs follow-up',
        default: 'info',
      },
      nullableString('request_id', 'the API request that caused it'),
      nullableString('actor', 'who or which service made the change'),
      { name: 'data', type: data, doc: `the ${entity} as it is after the event` },
      {
        name: 'previous_attributes',
        type: ['null', buildPreviousRecord(data)],
        default: null,
        doc: 'for updates: changed values as they were before',
      },
    ],
  };
}
