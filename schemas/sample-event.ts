import avro from 'avsc';
import { fullName, isNamed, type AvroRecord, type AvroType } from '../core/avro.js';
import { formatMicros } from '../core/cloudevents.js';
import { createEventId, eventIdTime } from '../core/ids.js';
import { validateValue } from '../core/validate-value.js';
import { readCatalogue, readEntitySchemas, type CatalogueEntry } from './catalogue.js';

/**
 * A sample event of a catalogue type, for `POST /api/v1/destinations/{id}/test`: an event object
 * exactly in the shape the Events API serves (store/event-object.ts), with plausible, deterministic
 * data drawn from the entity's Avro record by field type and name (ids, emails, currencies,
 * amounts, timestamps, …) rather than random values. It is marked as a sample by its entity id,
 * `sample_<entity>` (dots as underscores), which is also `data.id`; nothing outside the Event
 * schema is added (the delivery itself is flagged as a test).
 *
 * Only the id is fresh each call; with `now` given everything else is the same every time.
 */
export function sampleEvent(type: string, organizationId: string, now?: Date): Record<string, unknown> {
  const { catalogue, entities } = schemas();
  const entry: CatalogueEntry | undefined = catalogue[type];
  if (entry === undefined) throw new Error(`Unknown event type "${type}": it is not in schemas/catalogue.json.`);
  const record = entities[entry.entity];
  if (record === undefined) throw new Error(`Event type "${type}": entity "${entry.entity}" has no schema.`);

  const id = now === undefined ? createEventId() : createEventId(now.getTime());
  const at = now ?? new Date(eventIdTime(id));
  const action = type.slice(entry.entity.length + 1);
  const context: Context = { entity: entry.entity, action, organizationId, now: at, named: new Map() };

  const entityId = `sample_${entry.entity.replaceAll('.', '_')}`;
  const data = { ...sampleRecord(record, record.namespace, context), id: entityId, ...typeOverrides[type]?.data };
  const previous = typeOverrides[type]?.previous?.(at) ?? (isUpdate(action) ? samplePrevious(record, data, context) : null);

  const problems = validateValue(dataType(entry.entity, record), data);
  if (problems.length > 0) {
    const text = problems.map((problem) => `${problem.path}: ${problem.message}`).join('; ');
    throw new Error(`The sample data of "${type}" does not match its schema: ${text}.`);
  }

  return {
    id,
    object: 'event',
    type,
    organization_id: organizationId,
    data,
    previous_attributes: previous,
    request_id: null,
    created_at: new Date(eventIdTime(id)).toISOString(),
    occurred_at: formatMicros(at.getTime() * 1000),
    entity_type: entry.entity,
    entity_id: entityId,
    action,
    source: entry.source,
    severity: entry.severity,
    actor: null,
  };
}

interface Context {
  readonly entity: string;
  readonly action: string;
  readonly organizationId: string;
  readonly now: Date;
  /** Named types met so far, by full name: later fields may refer to them by name. */
  readonly named: Map<string, AvroType>;
}

/** Types whose data a generic walk cannot make coherent: what the event says happened. */
const typeOverrides: Record<string, { data?: Record<string, unknown>; previous?: (now: Date) => Record<string, unknown> }> = {
  'destination.disabled': {
    data: { active: false, disabled_reason: 'The endpoint answered 410 Gone.', failure_run: null },
    previous: () => ({ active: true }),
  },
  'destination.failing': {
    data: {
      active: true,
      disabled_reason: null,
      disabled_at: null,
      failure_run: { since: '2026-01-01T00:00:00.000Z', failed_attempts: 5, last_error: 'The endpoint answered 503.' },
    },
  },
  'destination.recovered': {
    data: {
      active: true,
      disabled_reason: null,
      disabled_at: null,
      failure_run: { since: '2026-01-01T00:00:00.000Z', failed_attempts: 5, last_error: null },
    },
  },
  'destination.enabled': {
    data: { active: true, disabled_reason: null, disabled_at: null, failure_run: null },
    previous: (now) => ({
      active: false,
      disabled_reason: 'The endpoint answered 410 Gone.',
      disabled_at: new Date(now.getTime() - hour).toISOString(),
    }),
  },
};

const hour = 3_600_000;

let loaded: { catalogue: Record<string, CatalogueEntry>; entities: Record<string, AvroRecord> } | undefined;

function schemas(): NonNullable<typeof loaded> {
  loaded ??= { catalogue: readCatalogue(), entities: readEntitySchemas() };
  return loaded;
}

const dataTypes = new Map<string, avro.Type>();

function dataType(entity: string, record: AvroRecord): avro.Type {
  let type = dataTypes.get(entity);
  if (type === undefined) {
    type = avro.Type.forSchema(record as avro.Schema);
    dataTypes.set(entity, type);
  }
  return type;
}

/** `updated`, `stage_updated`, `location_updated`, …: the types that carry previous attributes. */
function isUpdate(action: string): boolean {
  return action === 'updated' || action.endsWith('_updated');
}

function sampleRecord(record: AvroRecord, namespace: string | undefined, context: Context): Record<string, unknown> {
  context.named.set(fullName(record, namespace), record);
  const inner = record.namespace ?? namespace;
  return Object.fromEntries(
    record.fields.map((field) => [field.name, sampleValue(field.type, { name: field.name, doc: field.doc, namespace: inner }, context)]),
  );
}

interface FieldInfo {
  readonly name: string;
  readonly doc: string | undefined;
  readonly namespace: string | undefined;
}

function sampleValue(type: AvroType, field: FieldInfo, context: Context): unknown {
  if (Array.isArray(type)) {
    const member = type.find((candidate) => candidate !== 'null');
    return member === undefined ? null : sampleValue(member, field, context);
  }
  if (typeof type === 'string') {
    const named = resolve(type, field.namespace, context);
    if (named !== undefined) return sampleValue(named, field, context);
    return samplePrimitive(type, field, context);
  }
  if (isNamed(type)) {
    if (type.type === 'record') return sampleRecord(type, field.namespace, context);
    context.named.set(fullName(type, field.namespace), type);
    return type.symbols.includes(context.action) ? context.action : type.symbols[0];
  }
  if (type.type === 'array') return [sampleValue(type.items, field, context)];
  if (type.type === 'map') return {};
  // A logical long or int: timestamp-millis / -micros, or a date (days since the epoch).
  const ms = context.now.getTime();
  if (type.logicalType === 'timestamp-micros') return ms * 1000;
  if (type.logicalType === 'timestamp-millis') return ms;
  if (type.logicalType === 'date') return Math.floor(ms / 86_400_000);
  return 1;
}

/** A named type referred to by name: full, or relative to the enclosing namespace. */
function resolve(name: string, namespace: string | undefined, context: Context): AvroType | undefined {
  return context.named.get(name) ?? (namespace === undefined ? undefined : context.named.get(`${namespace}.${name}`));
}

function samplePrimitive(type: string, field: FieldInfo, context: Context): unknown {
  const name = field.name.toLowerCase();
  switch (type) {
    case 'string':
      return sampleString(name, field.doc, context);
    case 'int':
    case 'long':
      return /amount|total/.test(name) ? 1999 : 1;
    case 'float':
    case 'double':
      return 1;
    case 'boolean':
      return false;
    case 'bytes':
      return Buffer.alloc(0);
    default:
      return null;
  }
}

/** Field name → a fixed, realistic value; checked before the patterns below. */
const stringsByName: Record<string, string> = {
  event_types: '*',
  severities: 'info',
  entity_types: 'invoice',
  first_name: 'Alex',
  last_name: 'Sample',
  phone: '+4915112345678',
  msisdn: '4915112345678',
  imei: '356938035643809',
  imsi: '262010000000001',
  iccid: '8949000000000000001',
  mcc: '262',
  mnc: '01',
  locale: 'en',
  domain: 'example.com',
  city: 'Berlin',
  region: 'Berlin',
  postal_code: '10115',
  first_line: '1 Sample Street',
  second_line: 'Floor 2',
  custom_data: '{}',
  sku: 'SKU-0001',
  number: 'SAMPLE-0001',
  invoice_number: 'SAMPLE-0001',
  code: 'SAMPLE10',
  apn: 'internet',
  tax_identifier: 'DE123456789',
};

function sampleString(name: string, doc: string | undefined, context: Context): string {
  const always = doc === undefined ? null : /^always "([^"]+)"$/.exec(doc);
  if (always?.[1]) return always[1];
  const example = doc === undefined ? null : /\be\.g\.\s+([^\s,)]+)/.exec(doc);
  if (example?.[1]) return example[1];
  const byName = stringsByName[name];
  if (typeof byName === 'string') return byName;
  if (name === 'organization_id') return context.organizationId;
  if (name === 'id') return `sample_${context.entity.replaceAll('.', '_')}`;
  if (name.endsWith('_id')) return `${name.slice(0, -'_id'.length)}_sample_0001`;
  if (name.endsWith('_by')) return 'user_sample_0001';
  if (name.includes('email')) return 'sample@example.com';
  if (name.includes('currency')) return 'EUR';
  if (/amount|total|subtotal|earnings|fee|tax/.test(name)) return '1999';
  if (name.endsWith('_at')) return context.now.toISOString();
  if (name.endsWith('_date') || doc === 'ISO 8601 date') return context.now.toISOString().slice(0, 10);
  if (name.includes('url')) return name.includes('image') ? 'https://example.com/sample.png' : 'https://example.com/webhooks/events';
  if (/(^|_)ip(_|$)/.test(name)) return '192.0.2.1';
  if (name.includes('country')) return 'DE';
  const entityWords = (context.entity.split('.').pop() ?? context.entity).replaceAll('_', ' ');
  if (name === 'name' || name === 'description' || name === 'subject') return `Sample ${entityWords}`;
  return `Sample ${name.replaceAll('_', ' ')}`;
}

/**
 * A small, plausible previous value for an update: the field the action names (`stage` for
 * `stage_updated`) or else the status, name or description, with a different value, and
 * `updated_at` an hour earlier. Only the changed fields, as the API serves them.
 */
function samplePrevious(record: AvroRecord, data: Record<string, unknown>, context: Context): Record<string, unknown> | null {
  const previous: Record<string, unknown> = {};
  const candidates = [context.action.replace(/_?updated$/, ''), 'status', 'stage', 'name', 'description'].filter(Boolean);
  for (const name of candidates) {
    const field = record.fields.find((candidate) => candidate.name === name);
    const current = data[name];
    if (field === undefined || current === null || current === undefined) continue;
    const before = earlierValue(field.type, current, record.namespace, context);
    if (before === undefined) continue;
    previous[name] = before;
    break;
  }
  if (typeof data['updated_at'] === 'string') previous['updated_at'] = new Date(context.now.getTime() - hour).toISOString();
  return Object.keys(previous).length > 0 ? previous : null;
}

function earlierValue(type: AvroType, current: unknown, namespace: string | undefined, context: Context): unknown {
  const members = Array.isArray(type) ? type : [type];
  for (const member of members) {
    const resolved = typeof member === 'string' ? (resolve(member, namespace, context) ?? member) : member;
    if (typeof resolved === 'object' && !Array.isArray(resolved) && resolved.type === 'enum') {
      return resolved.symbols.find((symbol) => symbol !== current);
    }
    if (resolved === 'string' && typeof current === 'string') return `${current} (before)`;
    if ((resolved === 'int' || resolved === 'long') && typeof current === 'number') return current + 1;
    if (resolved === 'boolean' && typeof current === 'boolean') return !current;
  }
  return undefined;
}
