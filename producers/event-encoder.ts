import avro from 'avsc';
import type { AvroRecord } from '../core/avro.js';
import { buildEvent, type EventInput } from '../core/build-event.js';
import type { EventEnvelope } from '../core/event-envelope.js';
import { cloudEventHeaders } from '../core/cloudevents.js';
import { entityTopic, valueSubject } from '../core/topics.js';
import { validateValue, type ValueProblem } from '../core/validate-value.js';
import { encodeWireFormat } from '../core/wire-format.js';
import { EventError, RegistryError, eventErrorCodes, registryErrorCodes } from '../adapters/errors.js';
import type { RegistryClient } from '../adapters/registry.js';
import type { CatalogueEntry } from '../schemas/catalogue.js';

/**
 * From a type and what the caller gave to the bytes of a Kafka record: envelope, validation
 * against the entity's schema, Avro encoding in the Confluent wire format and CloudEvents
 * headers. Schema ids are looked up (or registered) once per entity and cached.
 */
export interface EncodedEvent {
  readonly event: EventEnvelope;
  readonly topic: string;
  readonly key: Buffer;
  readonly value: Buffer;
  readonly headers: Record<string, string>;
  /** Key, value and headers: what counts against the topic's max.message.bytes. */
  readonly size: number;
}

export interface EventEncoder {
  /** Builds and validates the envelope; throws EventError naming every problem. */
  prepare(type: string, input: EventInput): { event: EventEnvelope; topic: string };
  encode(prepared: { event: EventEnvelope; topic: string }): Promise<EncodedEvent>;
  /** The same at once when the entity's schema id is known already; undefined until then. */
  encodeNow(prepared: { event: EventEnvelope; topic: string }): EncodedEvent | undefined;
}

export interface EventEncoderOptions {
  readonly catalogue: Readonly<Record<string, CatalogueEntry>>;
  readonly schemas: ReadonlyMap<string, AvroRecord>;
  readonly registry: RegistryClient;
  readonly topicPrefix: string;
  readonly service: string;
  readonly autoRegister: boolean;
}

/** Record overhead beyond key, value and headers (batch header share, varints, timestamp). */
const recordOverhead = 70;

export function createEventEncoder(options: EventEncoderOptions): EventEncoder {
  const types = new Map<string, avro.Type>();
  const schemaIds = new Map<string, Promise<number>>();
  /** The ids of `schemaIds` that have resolved. */
  const knownIds = new Map<string, number>();

  const avroType = (entity: string): avro.Type => {
    let type = types.get(entity);
    if (!type) {
      const schema = options.schemas.get(entity);
      if (!schema) throw new Error(`no event schema for entity ${entity}; run npm run codegen`);
      type = avro.Type.forSchema(schema as avro.Schema);
      types.set(entity, type);
    }
    return type;
  };

  const schemaId = (entity: string, topic: string): Promise<number> => {
    let id = schemaIds.get(entity);
    if (!id) {
      id = resolveSchemaId(entity, valueSubject(topic));
      schemaIds.set(entity, id);
      id.then(
        (resolved) => knownIds.set(entity, resolved),
        // A failure is not cached: the next publish asks again.
        () => schemaIds.delete(entity),
      );
    }
    return id;
  };

  async function resolveSchemaId(entity: string, subject: string): Promise<number> {
    const text = JSON.stringify(options.schemas.get(entity));
    if (options.autoRegister) return (await options.registry.register(subject, text)).id;
    const found = await options.registry.lookup(subject, text);
    if (!found) {
      throw new RegistryError(
        registryErrorCodes.notRegistered,
        `The ${entity} event schema is not registered under ${subject} in ${options.registry.url}; run \`npx evp schemas register\` (or enable autoRegister outside production)`,
        { subject, url: options.registry.url },
      );
    }
    return found.id;
  }

  return {
    prepare(type, input) {
      const info = options.catalogue[type];
      if (!info) throw unknownType(type, options.catalogue);
      const built = buildEvent(type, info, input);
      if (!built.ok) throw invalid(type, built.problems);
      const problems = validateValue(avroType(info.entity), built.event);
      if (problems.length > 0) throw invalid(type, problems);
      return { event: built.event, topic: entityTopic(options.topicPrefix, info.entity) };
    },

    async encode(prepared) {
      return encodeWith(await schemaId(prepared.event.entity_type, prepared.topic), prepared);
    },

    encodeNow(prepared) {
      const id = knownIds.get(prepared.event.entity_type);
      return id === undefined ? undefined : encodeWith(id, prepared);
    },
  };

  function encodeWith(id: number, { event, topic }: { event: EventEnvelope; topic: string }): EncodedEvent {
    const value = encodeWireFormat(id, avroType(event.entity_type).toBuffer(event));
    const key = Buffer.from(event.entity_id);
    const headers = cloudEventHeaders(event, options.service);
    let size = key.length + value.length + recordOverhead;
    for (const name in headers) size += name.length + Buffer.byteLength(headers[name] as string) + 2;
    return { event, topic, key, value, headers, size };
  }
}

function invalid(type: string, problems: readonly ValueProblem[]): EventError {
  const lines = problems.map((problem) => `${problem.path}: ${problem.message}`);
  return new EventError(
    eventErrorCodes.invalid,
    `${type} event is invalid (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n  ${lines.join('\n  ')}`,
    {
      eventType: type,
      problems,
    },
  );
}

function unknownType(type: string, catalogue: Readonly<Record<string, CatalogueEntry>>): EventError {
  const known = Object.keys(catalogue);
  const stem = type.split('.').slice(0, -1).join('.');
  const near = known.filter((candidate) => stem !== '' && candidate.startsWith(`${stem}.`)).slice(0, 12);
  const hint = near.length > 0 ? `; ${stem} has ${near.join(', ')}` : `; the catalogue has ${known.length} types (schemas/catalogue.json)`;
  return new EventError(eventErrorCodes.typeUnknown, `Unknown event type ${JSON.stringify(type)}${hint}`, { eventType: type });
}
