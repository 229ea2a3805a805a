import { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import type { KafkaMessage } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../adapters/config.js';
import type { EventError } from '../../adapters/errors.js';
import { PipelineError } from '../../adapters/errors.js';
import { createTestLogger } from '../harness/log-sink.js';
import { createRegistryClient } from '../../adapters/registry.js';
import { readCloudEventHeaders } from '../../core/cloudevents.js';
import { entityTopic } from '../../core/topics.js';
import { ensureTopics } from '../../producers/ensure-topics.js';
import { createPublisher } from '../../producers/publisher.js';
import type { BatchEvent, Publisher } from '../../producers/types.js';
import { readCatalogue } from '../../schemas/catalogue.js';
import { readEventSchemas } from '../../schemas/event-schemas.js';
import { registerSchemas } from '../../schemas/governance.js';
import { useTestContext } from '../harness/index.js';
import { normalise, sampleData, samplePrevious } from '../harness/samples.js';

const ctx = useTestContext('publisher');
const config = loadConfig(ctx.env);
const logger = createTestLogger('warn');
const catalogue = readCatalogue();
let publisher: Publisher;

/** Reads `count` records from the start of `topics`, in partition order. */
/**
 * Reads `count` records of `topics` from the beginning with a consumer group of its own. A group
 * whose first join stalls (kafkajs, seen once in many runs) gets 60 s, then a fresh group tries
 * again; a second stall fails with what each topic gave.
 */
async function readRecords(
  topics: string[],
  count: number,
  group: string,
): Promise<{ topic: string; partition: number; message: KafkaMessage }[]> {
  let seen = '';
  for (const round of [1, 2]) {
    const consumer = await ctx.createConsumer(`${group}-${round}`);
    await consumer.subscribe({ topics, fromBeginning: true });
    const records: { topic: string; partition: number; message: KafkaMessage }[] = [];
    const complete = await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), 60_000);
      void consumer.run({
        eachMessage: ({ topic, partition, message }) => {
          records.push({ topic, partition, message });
          if (records.length === count) {
            clearTimeout(timer);
            resolve(true);
          }
          return Promise.resolve();
        },
      });
    });
    await consumer.stop();
    if (complete) return records;
    const perTopic = topics.map((topic) => `${topic}: ${records.filter((record) => record.topic === topic).length}`);
    seen = `${records.length} of ${count} (${perTopic.join(', ')})`;
    console.warn(`reading records, round ${round}: ${seen} after 60 s`);
  }
  throw new Error(`read ${seen} records in two rounds of 60 s`);
}

beforeAll(async () => {
  const admin = ctx.kafka.admin();
  await admin.connect();
  await ensureTopics(admin, ctx.topicPrefix, readEventSchemas().keys(), {
    partitions: 2,
    retentionMs: 3_600_000,
    deadLetterRetentionMs: 3_600_000,
  });
  await admin.disconnect();
  await registerSchemas({
    registry: createRegistryClient({ url: ctx.endpoints.schemaRegistryUrl }),
    topicPrefix: ctx.topicPrefix,
    schemas: readEventSchemas(),
  });
  publisher = createPublisher(config, { service: 'billing-api', logger });
});

afterAll(async () => {
  await publisher.close();
});

describe('publisher', () => {
  it('round-trips every catalogue type: raw records decode with the registry to what was published', async () => {
    const types = Object.keys(catalogue);
    const events = types.map((type, index) => {
      const entity = catalogue[type]?.entity as string;
      const data = sampleData(entity, `ent_${index}`);
      const action = type.slice(entity.length + 1);
      return {
        type,
        organization_id: 'org_roundtrip',
        data,
        request_id: `req_${index}`,
        actor: 'tests',
        ...(action === 'created' ? {} : { previous_attributes: samplePrevious(entity) }),
      } as unknown as BatchEvent;
    });
    const results = await publisher.publishBatch(events);
    expect(results).toHaveLength(types.length);

    const topics = [...new Set(results.map((r) => r.topic))];
    const records = await readRecords(topics, types.length, 'roundtrip');
    const registry = new SchemaRegistry({ host: ctx.endpoints.schemaRegistryUrl });
    const byId = new Map<string, Record<string, unknown>>();
    for (const { topic, partition, message } of records) {
      const decoded = (await registry.decode(message.value as Buffer)) as Record<string, unknown>;
      const result = results.find((r) => r.eventId === decoded['id']);
      expect(result, `an acknowledged result for ${String(decoded['id'])}`).toMatchObject({ topic, partition, offset: message.offset });
      byId.set(decoded['id'] as string, decoded);
    }
    results.forEach((result, index) => {
      const sent = events[index] as unknown as Record<string, unknown> & { type: string };
      const entity = catalogue[sent.type]?.entity as string;
      const decoded = JSON.parse(JSON.stringify(byId.get(result.eventId))) as Record<string, unknown>;
      expect(decoded).toMatchObject({
        type: sent.type,
        organization_id: 'org_roundtrip',
        entity_type: entity,
        entity_id: `ent_${index}`,
        action: sent.type.slice(entity.length + 1),
        source: catalogue[sent.type]?.source,
        severity: catalogue[sent.type]?.severity,
        request_id: `req_${index}`,
        actor: 'tests',
      });
      expect(decoded['data']).toEqual(normalise(entity, 'data', sent['data']));
      expect(decoded['previous_attributes']).toEqual(
        sent['previous_attributes'] === undefined ? null : normalise(entity, 'previous_attributes', sent['previous_attributes']),
      );
      expect(result.topic).toBe(entityTopic(ctx.topicPrefix, entity));
    });
  });

  it('writes each record in the Confluent wire format with the CloudEvents headers', async () => {
    const wireConfig = loadConfig({ ...ctx.env, TOPIC_PREFIX: `${ctx.topicPrefix}.wire` });
    await ctx.createTopic('wire.invoice', 3);
    const wire = createPublisher(wireConfig, { service: 'billing-api', logger, autoRegister: true });
    const data = sampleData('invoice', 'inv_wire');
    const occurredAt = '2026-11-23T10:11:12.123456Z';
    const publishedFrom = Date.now();
    const result = await wire.publish('invoice.paid', {
      organization_id: 'org_wire',
      data: data as never,
      request_id: 'req_wire',
      occurred_at: occurredAt,
      severity: 'warn',
    });
    await wire.close();
    const [record] = await readRecords([result.topic], 1, 'wire');
    expect(record).toMatchObject({ partition: result.partition, message: { offset: result.offset } });
    const { message } = record as { message: KafkaMessage };
    const value = message.value as Buffer;
    expect(value.readUInt8(0)).toBe(0);
    const schemaId = value.readInt32BE(1);
    const registered = await createRegistryClient({ url: ctx.endpoints.schemaRegistryUrl }).latest(`${result.topic}-value`);
    expect(schemaId).toBe(registered?.id);
    expect(message.key?.toString()).toBe('inv_wire');
    expect(readCloudEventHeaders(message.headers)).toEqual({
      ce_specversion: '1.0',
      ce_id: result.eventId,
      ce_type: 'invoice.paid',
      ce_source: '/orgs/org_wire/billing-api',
      ce_time: occurredAt,
      ce_subject: 'inv_wire',
      ce_orgid: 'org_wire',
      ce_severity: 'warn',
      ce_requestid: 'req_wire',
      'content-type': 'application/avro',
    });
    // The record's time is when it was published (retention counts from it); ce_time is occurred_at.
    expect(Number(message.timestamp)).toBeGreaterThanOrEqual(publishedFrom);
    expect(Number(message.timestamp)).toBeLessThanOrEqual(Date.now());
  });

  it.each([
    ['platformatic', 5],
    ['kafkajs', 1],
    ['kafkajs', 3],
  ] as const)('keeps the order of one entity across a 6-partition topic for 1,000 events (%s, %i in flight)', async (client, inFlight) => {
    const name = `order-${client}-${inFlight}`;
    const orderConfig = loadConfig({ ...ctx.env, TOPIC_PREFIX: `${ctx.topicPrefix}.${name}` });
    await ctx.createTopic(`${name}.crm.deal`, 6);
    const registry = createRegistryClient({ url: ctx.endpoints.schemaRegistryUrl });
    const ordered = createPublisher(orderConfig, {
      service: 'crm',
      logger,
      registry,
      autoRegister: true,
      lingerMs: 2,
      batchMaxEvents: 64,
      client,
      maxInFlightRequests: inFlight,
    });
    // Enough entities that every lane has partitions of its own to send.
    const keys = Array.from({ length: 12 }, (_, i) => `deal_${String.fromCharCode(97 + i)}`);
    const publishes = Array.from({ length: 1000 }, (_, seq) => {
      const id = keys[seq % keys.length] as string;
      return ordered.publish('crm.deal.updated', {
        organization_id: 'org_order',
        data: { ...sampleData('crm.deal', id), name: String(seq) } as never,
        previous_attributes: { name: String(seq - 1) },
      });
    });
    const results = await Promise.all(publishes);
    await ordered.close();

    const topic = entityTopic(orderConfig.topicPrefix, 'crm.deal');
    const records = await readRecords([topic], 1000, name);
    const decoder = new SchemaRegistry({ host: ctx.endpoints.schemaRegistryUrl });
    const seen = new Map<string, { partition: number; seqs: number[]; offsets: bigint[] }>();
    for (const { partition, message } of records.sort(
      (a, b) => a.partition - b.partition || Number(BigInt(a.message.offset) - BigInt(b.message.offset)),
    )) {
      const event = (await decoder.decode(message.value as Buffer)) as { entity_id: string; data: { name: string } };
      const entry = seen.get(event.entity_id) ?? { partition, seqs: [], offsets: [] };
      expect(entry.partition, `all of ${event.entity_id} on one partition`).toBe(partition);
      entry.seqs.push(Number(event.data.name));
      entry.offsets.push(BigInt(message.offset));
      seen.set(event.entity_id, entry);
    }
    const partitions = [...seen.values()].map((e) => e.partition);
    expect(new Set(partitions).size).toBeGreaterThan(1);
    // Partitions go to lanes by partition number: more than one lane sent (when there is more than one).
    if (inFlight > 1) expect(new Set(partitions.map((partition) => partition % inFlight)).size).toBeGreaterThan(1);
    for (const [key, entry] of seen) {
      const expected = Array.from({ length: 1000 }, (_, seq) => seq).filter((seq) => keys[seq % keys.length] === key);
      expect(entry.seqs, `order of ${key}`).toEqual(expected);
    }
    // Each promised offset is where the event actually is.
    results.forEach((result, seq) => {
      const key = keys[seq % keys.length] as string;
      const entry = seen.get(key);
      expect(result.partition).toBe(entry?.partition);
      expect(BigInt(result.offset)).toBe(entry?.offsets[Math.floor(seq / keys.length)]);
    });
  });

  describe('refuses bad events with an error naming what is wrong, sending nothing', () => {
    const valid = () => sampleData('invoice', 'inv_bad');

    const refusal = async (attempt: () => Promise<unknown>): Promise<PipelineError> => {
      const error = await attempt().then(
        () => undefined,
        (thrown: unknown) => thrown,
      );
      expect(error).toBeInstanceOf(PipelineError);
      return error as PipelineError;
    };

    it('an unknown event type', async () => {
      const error = await refusal(() => publisher.publishUntyped('invoice.teleported', { organization_id: 'o', data: valid() }));
      expect(error.code).toBe('EVP_EVENT_TYPE_UNKNOWN');
      expect(error.message).toContain('"invoice.teleported"');
      expect(error.message).toContain('invoice.paid');
    });

    it('a missing required field and a wrong type, all listed', async () => {
      const { currency: _currency, ...data } = valid();
      const error = await refusal(() =>
        publisher.publishUntyped('invoice.paid', { organization_id: 'o', data: { ...data, total_amount: 'x', totl: 1 } }),
      );
      expect(error.code).toBe('EVP_EVENT_INVALID');
      expect(error.message).toContain('data.currency: required field is missing');
      expect(error.message).toContain('data.total_amount: expected an integer (long), got the string "x"');
      expect(error.message).toContain('data.totl: unknown field');
      expect((error as EventError & { problems: unknown[] }).problems).toHaveLength(3);
    });

    it('an entity_id that differs from data.id', async () => {
      const error = await refusal(() =>
        publisher.publishUntyped('invoice.paid', { organization_id: 'o', entity_id: 'inv_other', data: valid() }),
      );
      expect(error.code).toBe('EVP_EVENT_INVALID');
      expect(error.message).toContain('entity_id: "inv_other" differs from data.id "inv_bad"');
    });

    it('previous_attributes on a create', async () => {
      const error = await refusal(() =>
        publisher.publishUntyped('invoice.created', { organization_id: 'o', data: valid(), previous_attributes: { status: 'draft' } }),
      );
      expect(error.message).toContain('previous_attributes: must be absent on invoice.created');
    });

    it('an event above the topic max.message.bytes', async () => {
      const error = await refusal(() =>
        publisher.publishUntyped('invoice.paid', { organization_id: 'o', data: { ...valid(), number: 'x'.repeat(1_100_000) } }),
      );
      expect(error.code).toBe('EVP_EVENT_TOO_LARGE');
      expect(error.message).toMatch(/is \d+ bytes encoded, above .*max\.message\.bytes of \d+; nothing was sent/);
    });

    it('a batch with one bad event sends none of it', async () => {
      const error = await refusal(() =>
        publisher.publishBatch([
          { type: 'invoice.paid', organization_id: 'o', data: valid() as never },
          { type: 'invoice.paid', organization_id: '', data: valid() as never },
        ]),
      );
      expect(error.message).toContain('1 of 2 events are invalid; none was sent');
      expect(error.message).toContain('[1] invoice.paid event is invalid');
    });

    it('nothing of the refused events reached the topic', async () => {
      await publisher.flush();
      const admin = ctx.kafka.admin();
      await admin.connect();
      const offsets = await admin.fetchTopicOffsets(entityTopic(ctx.topicPrefix, 'invoice'));
      await admin.disconnect();
      const records = await readRecords(
        [entityTopic(ctx.topicPrefix, 'invoice')],
        offsets.reduce((sum, o) => sum + Number(o.high), 0),
        'bad',
      );
      const ids = await Promise.all(
        records.map(
          async (r) =>
            (
              (await new SchemaRegistry({ host: ctx.endpoints.schemaRegistryUrl }).decode(r.message.value as Buffer)) as {
                entity_id: string;
              }
            ).entity_id,
        ),
      );
      expect(ids).not.toContain('inv_bad');
    });
  });

  it('delivers the events still pending when closed', async () => {
    const closing = createPublisher(config, { service: 'closer', logger, lingerMs: 10_000 });
    const pending = Array.from({ length: 50 }, (_, i) =>
      closing.publish('customer.updated', { organization_id: 'org_close', data: sampleData('customer', `cus_${i}`) as never }),
    );
    await closing.close();
    const results = await Promise.all(pending);
    expect(results.every((r) => /^\d+$/.test(r.offset))).toBe(true);
    await expect(
      closing.publish('customer.updated', { organization_id: 'o', data: sampleData('customer', 'cus_late') as never }),
    ).rejects.toMatchObject({
      code: 'EVP_PUBLISHER_CLOSED',
    });
  });

  it('says the registry is unreachable, and at which URL, after its retries', async () => {
    const url = 'http://127.0.0.1:9/apis/ccompat/v7';
    const unreachable = createPublisher(config, {
      service: 'lonely',
      logger,
      registry: createRegistryClient({ url, retry: { retries: 2, initialDelayMs: 50, maxDelayMs: 100 } }),
    });
    const error = await unreachable
      .publish('customer.updated', { organization_id: 'o', data: sampleData('customer', 'cus_x') as never })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'EVP_REGISTRY_UNREACHABLE' });
    expect((error as Error).message).toContain(`Schema registry at ${url} is unreachable`);
    expect((error as Error).message).toContain('after 3 attempts');
    await unreachable.close();
  });

  it('refuses to send with a schema the registry does not hold, unless autoRegister is on', async () => {
    const fresh = createPublisher(loadConfig({ ...ctx.env, TOPIC_PREFIX: `${ctx.topicPrefix}.fresh` }), { service: 'fresh', logger });
    const error = await fresh
      .publish('customer.updated', { organization_id: 'o', data: sampleData('customer', 'cus_y') as never })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'EVP_SCHEMA_NOT_REGISTERED' });
    expect((error as Error).message).toContain('npx evp schemas register');
    await fresh.close();
  });
});
