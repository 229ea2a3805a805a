import avro from 'avsc';
import type { KafkaMessage } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRegistryClient } from '../../adapters/registry.js';
import { deadLetterHeaderNames } from '../../consumers/materializer/index.js';
import { buildEvent } from '../../core/build-event.js';
import { createEventId } from '../../core/ids.js';
import { deadLetterTopic, entityTopic, valueSubject } from '../../core/topics.js';
import { encodeWireFormat } from '../../core/wire-format.js';
import type { Publisher } from '../../producers/types.js';
import { readCatalogue } from '../../schemas/catalogue.js';
import { useTestContext } from '../harness/index.js';
import { countEvents, materializerOptions, prepareEntities, testPublisher, waitFor, withMaterializer } from '../harness/materializer.js';
import { eventSchema, sampleData } from '../harness/samples.js';

const ctx = useTestContext('poison');
const catalogue = readCatalogue();
let publisher: Publisher;

beforeAll(async () => {
  await prepareEntities(ctx, ['invoice'], 1);
  publisher = testPublisher(ctx);
});

afterAll(async () => {
  await publisher.close();
});

/** An invoice event as the envelope, changed by `edit`, Avro-encoded with the registered schema. */
async function encodedInvoice(edit: (event: Record<string, unknown>) => void): Promise<Buffer> {
  const subject = valueSubject(entityTopic(ctx.topicPrefix, 'invoice'));
  const registered = await createRegistryClient({ url: ctx.endpoints.schemaRegistryUrl }).latest(subject);
  const built = buildEvent(
    'invoice.updated',
    catalogue['invoice.updated']!,
    { organization_id: 'org_poison', data: sampleData('invoice', 'inv_x') },
    Date.now,
  );
  if (!('event' in built)) throw new Error('sample invoice does not build');
  const event = { ...built.event } as Record<string, unknown>;
  edit(event);
  const type = avro.Type.forSchema(eventSchema('invoice') as avro.Schema);
  return encodeWireFormat(registered!.id, type.toBuffer(event));
}

describe('materializer: poison records', () => {
  it('sends each kind of bad record to the dead-letter topic and table with its reason, and goes on', async () => {
    const { pool, schema } = await ctx.createTestDatabase();
    const topic = entityTopic(ctx.topicPrefix, 'invoice');
    const good = async (n: number) =>
      publisher.publishUntyped('invoice.created', {
        id: createEventId(),
        organization_id: 'org_poison',
        data: sampleData('invoice', `inv_${n}`),
      });

    await good(1);
    const validBody = await encodedInvoice(() => undefined);
    const producer = await ctx.createProducer();
    const poison: { name: string; value: Buffer | null; code: string; says: RegExp }[] = [
      { name: 'not the wire format', value: Buffer.from('{"json":"instead of avro"}'), code: 'wire_format', says: /magic byte/ },
      { name: 'a tombstone', value: null, code: 'wire_format', says: /tombstone/ },
      { name: 'an unknown schema id', value: encodeWireFormat(987_654, Buffer.from([2, 4, 6])), code: 'unknown_schema', says: /987654/ },
      { name: 'a body that does not decode', value: validBody.subarray(0, 12), code: 'undecodable', says: /does not decode/ },
      {
        name: 'an event for another entity',
        value: await encodedInvoice((event) => (event['entity_type'] = 'customer')),
        code: 'invalid',
        says: /entity_type "customer"/,
      },
      {
        name: 'a malformed event id',
        value: await encodedInvoice((event) => (event['id'] = 'evt_not-a-uuid')),
        code: 'invalid',
        says: /not an event id/,
      },
      {
        name: 'a value PostgreSQL refuses (NUL in a string)',
        value: await encodedInvoice((event) => {
          event['id'] = createEventId();
          (event['data'] as Record<string, unknown>)['id'] = 'inv_x';
          event['request_id'] = 'req_\u0000nul';
        }),
        code: 'rejected',
        says: /PostgreSQL rejected/,
      },
    ];
    for (const [index, record] of poison.entries()) {
      await producer.send({ topic, messages: [{ key: `poison_${index}`, value: record.value, headers: { origin: 'poison-test' } }] });
    }
    await good(2);
    await good(3);

    await withMaterializer(materializerOptions(ctx, schema), async () => {
      await waitFor(
        async () => (await pool.query<{ n: number }>('select count(*)::int as n from dead_letters')).rows[0]?.n ?? 0,
        (n) => n >= poison.length,
        60_000,
        'every poison record in dead_letters',
      );
      await waitFor(
        () => countEvents(pool),
        (n) => n >= 3,
        60_000,
        'the good events',
      );
    });

    expect(await countEvents(pool)).toBe(3);
    const { rows } = await pool.query<{
      kafka_offset: string;
      reason_code: string;
      reason: string;
      key: Buffer;
      value: Buffer | null;
      headers: Record<string, string>;
    }>('select kafka_offset::text, reason_code, reason, key, value, headers from dead_letters order by kafka_offset');
    expect(rows).toHaveLength(poison.length);
    for (const [index, record] of poison.entries()) {
      const row = rows[index]!;
      expect(row.kafka_offset, record.name).toBe(String(index + 1));
      expect(row.reason_code, record.name).toBe(record.code);
      expect(row.reason, record.name).toMatch(record.says);
      expect(row.key.toString(), record.name).toBe(`poison_${index}`);
      expect(row.value === null ? null : Buffer.compare(row.value, record.value!), record.name).toBe(record.value === null ? null : 0);
      expect(row.headers['origin']).toBe('poison-test');
    }

    // The dead-letter topic has the same records, byte for byte, with the reason and origin in headers.
    const consumer = await ctx.createConsumer('dlq-reader');
    await consumer.subscribe({ topics: [deadLetterTopic(ctx.topicPrefix)], fromBeginning: true });
    const letters: KafkaMessage[] = [];
    await new Promise<void>((resolve) => {
      void consumer.run({
        eachMessage: ({ message }) => {
          letters.push(message);
          if (letters.length === poison.length) resolve();
          return Promise.resolve();
        },
      });
    });
    await consumer.stop();
    for (const [index, record] of poison.entries()) {
      const letter = letters.find((message) => message.key?.toString() === `poison_${index}`);
      const header = (name: string) => letter?.headers?.[name]?.toString();
      expect(letter, record.name).toBeDefined();
      expect(header(deadLetterHeaderNames.code), record.name).toBe(record.code);
      expect(header(deadLetterHeaderNames.reason), record.name).toMatch(record.says);
      expect(header(deadLetterHeaderNames.topic)).toBe(topic);
      expect(header(deadLetterHeaderNames.partition)).toBe('0');
      expect(header(deadLetterHeaderNames.offset)).toBe(String(index + 1));
      expect(Number(header(deadLetterHeaderNames.timestamp))).toBeGreaterThan(0);
      expect(header('origin')).toBe('poison-test');
      expect(letter?.value === null ? null : Buffer.compare(letter!.value, record.value!)).toBe(record.value === null ? null : 0);
    }
  });
});
