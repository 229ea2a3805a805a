import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEventId } from '../../core/ids.js';
import type { Publisher } from '../../producers/types.js';
import { useTestContext } from '../harness/index.js';
import {
  countEvents,
  duplicateEvents,
  materializerOptions,
  planWorkload,
  prepareEntities,
  publishPlanned,
  readEntities,
  testPublisher,
  waitFor,
  withMaterializer,
} from '../harness/materializer.js';
import { normalise, sampleData } from '../harness/samples.js';

const ctx = useTestContext('materializer');
const entities = ['invoice', 'customer', 'crm.deal'];
// Each test has topics of its own, so no test reads another's events.
const prefixes = { bulk: `${ctx.topicPrefix}.bulk`, order: `${ctx.topicPrefix}.order`, replay: `${ctx.topicPrefix}.replay` };
const publishers: Record<string, Publisher> = {};

beforeAll(async () => {
  for (const [name, prefix] of Object.entries(prefixes)) {
    await prepareEntities(ctx, name === 'bulk' ? entities : ['customer', 'invoice'], 6, prefix);
    publishers[name] = testPublisher(ctx, prefix);
  }
});

afterAll(async () => {
  for (const publisher of Object.values(publishers)) await publisher.close();
});

describe('materializer', () => {
  it('materialises 50,000 events over 6 partitions and 3 entity types to exactly 50,000 rows and the right state', async () => {
    const { pool, schema } = await ctx.createTestDatabase();
    const { events, expected } = planWorkload(50_000, entities, 10, 'org_bulk');
    await publishPlanned(publishers['bulk']!, events, 'org_bulk');

    await withMaterializer(
      materializerOptions(ctx, schema, { groupId: ctx.groupId('bulk'), topicPrefix: prefixes.bulk }),
      async (materializer) => {
        await waitFor(
          () => countEvents(pool),
          (n) => n >= 50_000,
          240_000,
          '50,000 rows',
        );
        // Give a wrongly duplicated batch the chance to show up before counting for good.
        await waitFor(
          async () => (await fetch(`http://127.0.0.1:${materializer.port}/metrics`)).text(),
          (text) => text.includes('consumer_lag'),
        );
      },
    );

    expect(await countEvents(pool)).toBe(50_000);
    expect(await duplicateEvents(pool)).toBe(0);
    const state = await readEntities(pool);
    expect(state.size).toBe(expected.size);
    for (const [key, want] of expected) {
      const got = state.get(key);
      const entity = key.split('/')[1] as string;
      expect(got, key).toBeDefined();
      expect(got?.lastEventId, key).toBe(want.lastEventId);
      expect(got?.deleted, key).toBe(want.deleted);
      expect(got?.version, key).toBe(want.version);
      expect(got?.data, key).toEqual(normalise(entity, 'data', want.data));
    }
    const { rows: sample } = await pool.query<{ topic: string; kafka_partition: number; schema_id: number }>(
      'select topic, kafka_partition, schema_id from events limit 1',
    );
    expect(sample[0]?.topic.startsWith(ctx.topicPrefix)).toBe(true);
    const { rows: partitions } = await pool.query<{ n: number }>('select count(distinct kafka_partition)::int as n from events');
    expect(partitions[0]?.n).toBe(6);
  }, 300_000); // publishing and materialising 50,000 events shares 2 cores with the other test files

  it('keeps one row per event id, never moves state backwards, and keeps a deleted entity with its last data', async () => {
    const { pool, schema } = await ctx.createTestDatabase();
    const org = 'org_order';
    const t0 = Date.now() - 60_000;
    const v1 = sampleData('customer', 'cus_1');
    const v2 = { ...sampleData('customer', 'cus_1'), name: 'second' };
    const v3 = { ...sampleData('customer', 'cus_1'), name: 'third' };
    const created = createEventId(t0);
    const updatedLate = createEventId(t0 + 2000); // occurred last, published first
    const updatedEarly = createEventId(t0 + 1000);
    const publish = (id: string, type: string, occurredAt: number, data: Record<string, unknown>, previous?: Record<string, unknown>) =>
      publishers['order']!.publishUntyped(type, {
        id,
        organization_id: org,
        occurred_at: occurredAt,
        data: data,
        ...(previous ? { previous_attributes: previous } : {}),
      });

    await publish(created, 'customer.created', t0, v1);
    await publish(created, 'customer.created', t0, v1); // a producer retry: same id twice
    await publish(updatedLate, 'customer.updated', t0 + 2000, v3, { name: 'second' });
    await publish(updatedEarly, 'customer.updated', t0 + 1000, v2, { name: v1['name'] });
    // A deleted entity, and one deleted and then created again with the same id.
    const d1 = sampleData('customer', 'cus_2');
    await publish(createEventId(t0), 'customer.created', t0, d1);
    const deletion = createEventId(t0 + 5000);
    await publish(deletion, 'customer.deleted', t0 + 5000, d1);
    const r1 = sampleData('customer', 'cus_3');
    await publish(createEventId(t0), 'customer.created', t0, r1);
    await publish(createEventId(t0 + 1000), 'customer.deleted', t0 + 1000, r1);
    const recreated = createEventId(t0 + 2000);
    await publish(recreated, 'customer.created', t0 + 2000, r1);

    await withMaterializer(materializerOptions(ctx, schema, { groupId: ctx.groupId('order'), topicPrefix: prefixes.order }), async () => {
      await waitFor(
        () => countEvents(pool),
        (n) => n >= 8,
        60_000,
        '8 rows',
      );
    });

    expect(await countEvents(pool)).toBe(8);
    const state = await readEntities(pool);
    const one = state.get(`${org}/customer/cus_1`);
    expect(one?.lastEventId).toBe(updatedLate);
    expect(one?.data).toEqual(normalise('customer', 'data', v3));
    expect(one?.version).toBe(3);
    const two = state.get(`${org}/customer/cus_2`);
    expect(two).toMatchObject({ deleted: true, lastEventId: deletion });
    expect(two?.data).toEqual(normalise('customer', 'data', d1));
    expect(state.get(`${org}/customer/cus_3`)).toMatchObject({ deleted: false, lastEventId: recreated });

    // History: the entity's events in order, with what each changed.
    const { rows: history } = await pool.query<{ id: string; previous_attributes: Record<string, unknown> | null }>(
      `select id, previous_attributes from events where organization_id = $1 and entity_type = 'customer' and entity_id = 'cus_1' order by id`,
      [org],
    );
    expect(history.map((row) => row.id)).toEqual([created, updatedEarly, updatedLate]);
    expect(history[2]?.previous_attributes).toEqual({ name: 'second' });
    expect(history[0]?.previous_attributes).toBeNull();
  });

  it('replays from the start with --reset-to earliest without adding a row or moving state', async () => {
    const { pool, schema } = await ctx.createTestDatabase();
    const { events } = planWorkload(600, ['invoice'], 6, 'org_replay');
    await publishPlanned(publishers['replay']!, events, 'org_replay');
    const options = materializerOptions(ctx, schema, { groupId: ctx.groupId('replay'), topicPrefix: prefixes.replay });
    await withMaterializer(options, () =>
      waitFor(
        () => countEvents(pool),
        (n) => n >= 600,
        60_000,
        '600 rows',
      ),
    );
    const before = await readEntities(pool);

    await withMaterializer({ ...options, resetTo: 'earliest' }, async (materializer) => {
      // Every event comes again and is found in the log already.
      await waitFor(
        async () => (await fetch(`http://127.0.0.1:${materializer.port}/metrics`)).text(),
        (text) => /evp_materializer_events_duplicate_total\{topic="[^"]+\.invoice"\} 600\b/.test(text),
        60_000,
        'the replay of all 600 events',
      );
    });
    expect(await countEvents(pool)).toBe(600);
    expect(await readEntities(pool)).toEqual(before);
  });
});
