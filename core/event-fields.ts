import type { AvroRecord, AvroType } from './avro.js';

/**
 * The fields of an event object as destinations receive it (store/event-object.ts): the envelope,
 * `data` and `previous_attributes` from each entity's event schema. Templates and content filters
 * are checked against them when a destination is saved, so that a name that no subscribed event
 * has is a 400 naming it rather than an attempt that fails for ever. Pure.
 */

/** What a value at a path can be, as JSON has it. */
export type FieldKind = 'string' | 'number' | 'boolean' | 'null' | 'object' | 'array';

/** The kinds each dotted path of one event type's object may hold. */
export interface EventFields {
  /** Undefined when no event of the type has the path. */
  kindsOf(path: string): ReadonlySet<FieldKind> | undefined;
}

/** The subscribed event types' fields, as a destination's settings are checked against them. */
export interface SubscribedFields {
  /** The subscribed types, patterns expanded. */
  readonly types: readonly string[];
  /** The kinds a path holds in each subscribed type that has it. */
  kindsOf(path: string): ReadonlyMap<string, ReadonlySet<FieldKind>>;
}

/** The envelope fields the event object adds to or changes from the Avro record. */
const envelopeKinds: Readonly<Record<string, readonly FieldKind[]>> = {
  id: ['string'],
  object: ['string'],
  type: ['string'],
  organization_id: ['string'],
  created_at: ['string'],
  occurred_at: ['string'],
  entity_type: ['string'],
  entity_id: ['string'],
  action: ['string'],
  source: ['string'],
  severity: ['string'],
  request_id: ['string', 'null'],
  actor: ['string', 'null'],
};

/** The fields of the event object built from an entity's full event schema (schemas/generated/events). */
export function eventFieldsOf(schema: AvroRecord): EventFields {
  const paths = new Map<string, Set<FieldKind>>();
  /** Paths under which any name is accepted (Avro maps): their values are not known ahead. */
  const open = new Map<string, Set<FieldKind>>();
  for (const [name, kinds] of Object.entries(envelopeKinds)) paths.set(name, new Set(kinds));
  const named = new Map<string, AvroType>();
  const walk = (path: string, type: AvroType): void => {
    const kinds = paths.get(path) ?? new Set<FieldKind>();
    paths.set(path, kinds);
    for (const kind of kindsOfType(type, named)) kinds.add(kind);
    for (const branch of branches(type, named)) {
      if (typeof branch !== 'object' || Array.isArray(branch)) continue;
      if (branch.type === 'record') for (const field of branch.fields) walk(`${path}.${field.name}`, field.type);
      if (branch.type === 'map') open.set(path, new Set(kindsOfType(branch.values, named)));
    }
  };
  for (const field of schema.fields) if (field.name === 'data' || field.name === 'previous_attributes') walk(field.name, field.type);
  return {
    kindsOf: (path) => {
      const known = paths.get(path);
      if (known !== undefined) return known;
      for (const [prefix, kinds] of open) if (path.startsWith(`${prefix}.`)) return kinds;
      return undefined;
    },
  };
}

/** The fields of the subscribed types, from each type's fields. */
export function subscribedFieldsOf(types: readonly string[], fieldsOfType: (type: string) => EventFields | undefined): SubscribedFields {
  return {
    types,
    kindsOf: (path) => {
      const found = new Map<string, ReadonlySet<FieldKind>>();
      for (const type of types) {
        const kinds = fieldsOfType(type)?.kindsOf(path);
        if (kinds !== undefined) found.set(type, kinds);
      }
      return found;
    },
  };
}

/** The types a named Avro type stands for, a union's members each, registering named ones on the way. */
function branches(type: AvroType, named: Map<string, AvroType>): AvroType[] {
  if (Array.isArray(type)) return type.flatMap((member) => branches(member, named));
  if (typeof type === 'string') {
    const found = named.get(type);
    return found === undefined ? [type] : [found];
  }
  if ((type.type === 'record' || type.type === 'enum') && 'name' in type) {
    named.set(type.name, type);
    if (type.namespace !== undefined) named.set(`${type.namespace}.${type.name}`, type);
  }
  return [type];
}

function kindsOfType(type: AvroType, named: Map<string, AvroType>): FieldKind[] {
  return branches(type, named).flatMap((branch): FieldKind[] => {
    if (typeof branch === 'string') {
      switch (branch) {
        case 'null':
          return ['null'];
        case 'boolean':
          return ['boolean'];
        case 'int':
        case 'long':
        case 'float':
        case 'double':
          return ['number'];
        default:
          return ['string'];
      }
    }
    if (Array.isArray(branch)) return [];
    switch (branch.type) {
      case 'record':
      case 'map':
        return ['object'];
      case 'array':
        return ['array'];
      case 'enum':
        return ['string'];
      default:
        // Logical types (a timestamp as a long): JSON carries them as numbers or ISO text.
        return ['number', 'string'];
    }
  });
}
