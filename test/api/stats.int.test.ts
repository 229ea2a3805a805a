import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMaterializer, type Materializer } from '../../consumers/materializer/index.js';
import { startStreamer, type Streamer } from '../../consumers/streamer/index.js';
import type { EventSeverity } from '../../core/event-schema.js';
import { createEventId } from '../../core/ids.js';
import { entityTopic } from '../../core/topics.js';
import type { Publisher } from '../../producers/types.js';
import { createTestKey, getJson, startTestApi, type Answer } from '../harness/api.js';
import { useTestContext } from '../harness/index.js';
import { materializerOptions, prepareEntities, testPublisher, waitFor } from '../harness/materializer.js';
import { sampleData } from '../harness/samples.js';
import { streamerOptions } from '../harness/streamer.js';
import { startWebhookReceiver, type WebhookReceiver } from '../harness/webhook-receiver.js';

const ctx = useTestContext('api_stats');
let pool: pg.Pool;
let schema: string;
let publisher: Publisher;
let materializer: Materializer | undefined;
let streamer: Streamer;
let api: Awaited<ReturnType<typeof startTestApi>>;
let keyA: string;
let keyB: string;
const receivers: WebhookReceiver[] = [];

beforeAll(async () => {
  ({ pool, schema } = await ctx.createTestDatabase());
  // One partition per topic: a group's lag is then the records published since it stopped.
  await prepareEntities(ctx, ['invoice', 'customer', 'destination'], 1);
  api = await startTestApi(ctx, schema);
  publisher = testPublisher(ctx);
  materializer = await startMaterializer(materializerOptions(ctx, schema, { lingerMs: 20 }));
  streamer = await startStreamer(streamerOptions(ctx, schema, publisher));
  keyA = await createTestKey(pool, 'org_st_a');
  keyB = await createTestKey(pool, 'org_st_b');
});

afterAll(async () => {
  await streamer?.stop();
  await materializer?.stop();
  for (const receiver of receivers) await receiver.close();
  await publisher?.close();
  await api?.stop();
});

const get = <T = Record<string, unknown>>(path: string, key = keyA) => getJson<T>(`${api.url}${path}`, key);

async function post<T = Record<string, unknown>>(path: string, body: unknown, key = keyA): Promise<Answer<T>> {
  const response = await fetch(`${api.url}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as T };
}

async function publish(type: string, organizationId: string, entityId: string, extra: { at?: number; severity?: EventSeverity } = {}) {
  const entity = type.slice(0, type.lastIndexOf('.'));
  return publisher.publishUntyped(type, {
    organization_id: organizationId,
    ...(extra.at === undefined ? {} : { id: createEventId(extra.at) }),
    ...(extra.severity === undefined ? {} : { severity: extra.severity }),
    data: { ...sampleData(entity, entityId), id: entityId },
  });
}

async function count(sql: string, values: unknown[]): Promise<number> {
  return (await pool.query<{ n: number }>(sql, values)).rows[0]?.n ?? 0;
}

const eventsOf = (organizationId: string) => count('select count(*)::int as n from events where organization_id = $1', [organizationId]);
const minuteOf = (ms: number) => new Date(Math.floor(ms / 60_000) * 60_000).toISOString();

interface EventStatsBody {
  object: string;
  from: string;
  to: string;
  bucket_seconds: number;
  data: { minute: string; type: string; severity: string; count: number }[];
}

describe('GET /api/v1/stats/events', () => {
  it("counts the organization's events per minute, type and severity over the window asked for", async () => {
    const now = Date.now();
    const recent = now - 3 * 60_000;
    const earlier = now - 45 * 60_000;
    const old = now - 120 * 60_000;
    const plan: [string, string, number, EventSeverity, number][] = [
      // type, organization, created at, severity, how many
      ['customer.created', 'org_st_a', recent, 'info', 2],
      ['customer.updated', 'org_st_a', recent, 'warn', 1],
      ['invoice.created', 'org_st_a', earlier, 'info', 3],
      ['invoice.created', 'org_st_a', earlier, 'critical', 1],
      ['invoice.created', 'org_st_a', old, 'info', 2],
      ['invoice.created', 'org_st_b', recent, 'info', 5],
    ];
    let n = 0;
    for (const [type, org, at, severity, times] of plan) {
      for (let i = 0; i < times; i++) await publish(type, org, `${type.split('.')[0]}_stats_${n++}`, { at, severity });
    }
    await waitFor(
      () => eventsOf('org_st_a'),
      (found) => found >= 9,
      60_000,
      'the events of org_st_a',
    );
    await waitFor(
      () => eventsOf('org_st_b'),
      (found) => found >= 5,
      60_000,
      'the events of org_st_b',
    );

    const hour = await get<EventStatsBody>('/api/v1/stats/events');
    expect(hour.status).toBe(200);
    expect(hour.body).toMatchObject({ object: 'event_stats', bucket_seconds: 60 });
    expect(hour.body.data).toEqual([
      { minute: minuteOf(earlier), type: 'invoice.created', severity: 'critical', count: 1 },
      { minute: minuteOf(earlier), type: 'invoice.created', severity: 'info', count: 3 },
      { minute: minuteOf(recent), type: 'customer.created', severity: 'info', count: 2 },
      { minute: minuteOf(recent), type: 'customer.updated', severity: 'warn', count: 1 },
    ]);
    // The window: `minutes` whole minutes up to now, the current one included.
    const from = Date.parse(hour.body.from);
    const to = Date.parse(hour.body.to);
    expect(from % 60_000).toBe(0);
    expect(to - from).toBeGreaterThan(59 * 60_000);
    expect(to - from).toBeLessThanOrEqual(60 * 60_000);

    const halfHour = await get<EventStatsBody>('/api/v1/stats/events?minutes=30');
    expect(halfHour.body.data.map((bucket) => [bucket.type, bucket.count])).toEqual([
      ['customer.created', 2],
      ['customer.updated', 1],
    ]);
    const day = await get<EventStatsBody>('/api/v1/stats/events?minutes=1440');
    expect(day.body.data[0]).toEqual({ minute: minuteOf(old), type: 'invoice.created', severity: 'info', count: 2 });
    expect(day.body.data.reduce((sum, bucket) => sum + bucket.count, 0)).toBe(9);

    const other = await get<EventStatsBody>('/api/v1/stats/events', keyB);
    expect(other.body.data).toEqual([{ minute: minuteOf(recent), type: 'invoice.created', severity: 'info', count: 5 }]);
  });

  it('refuses a window outside 1 to 1440 minutes or not a whole number, naming minutes', async () => {
    for (const [minutes, code] of [
      ['0', 'parameter_out_of_range'],
      ['1441', 'parameter_out_of_range'],
      ['ten', 'parameter_invalid_integer'],
      ['1.5', 'parameter_invalid_integer'],
    ]) {
      const answer = await get(`/api/v1/stats/events?minutes=${minutes}`);
      expect(answer.status, minutes).toBe(400);
      expect(answer.body, minutes).toMatchObject({ error: { type: 'invalid_request_error', code, param: 'minutes' } });
    }
    const unknown = await get('/api/v1/stats/events?hours=1');
    expect(unknown.body).toMatchObject({ error: { code: 'parameter_unknown', param: 'hours' } });
  });
});

interface DestinationStatsBody {
  object: string;
  destination_id: string;
  type: string;
  description: string | null;
  active: boolean;
  disabled_reason: string | null;
  queue_depth: number;
  oldest_pending_at: string | null;
  deliveries: { pending: number; needs_retry: number; delivered: number; failed: number };
  last_hour: { attempts: number; succeeded: number; failed: number; success_rate: number | null };
}

describe('GET /api/v1/stats/destinations', () => {
  it("gives each destination's queue, deliveries by status and last hour's success rate, for the organization only", async () => {
    const receiver = async (answer: WebhookReceiver['answer']) => {
      const started = await startWebhookReceiver();
      started.answer = answer;
      receivers.push(started);
      return started;
    };
    const good = await receiver(() => ({ status: 204 }));
    const bad = await receiver(() => ({ status: 500 }));
    const flaky = await receiver(({ seen }) => (seen === 1 ? { status: 500 } : { status: 204 }));
    const create = async (body: Record<string, unknown>, key = keyA) => {
      const answer = await post<{ id: string }>('/api/v1/destinations', { type: 'webhook', event_types: ['invoice.sent'], ...body }, key);
      expect(answer.status, JSON.stringify(answer.body)).toBe(201);
      return answer.body.id;
    };
    const goodId = await create({ description: 'good', webhook: { url: good.url } });
    // The second attempt is an hour away: its deliveries wait in needs_retry.
    const badId = await create({ description: 'bad', webhook: { url: bad.url }, retry_schedule_ms: [0, 3_600_000] });
    const flakyId = await create({ description: 'flaky', webhook: { url: flaky.url }, retry_schedule_ms: [0, 100] });
    // Paused: its deliveries are recorded and held, pending.
    const pausedId = await create({ description: 'paused', active: false, webhook: { url: good.url } });
    const otherId = await create({ description: 'org b', webhook: { url: good.url } }, keyB);

    for (let i = 0; i < 4; i++) await publish('invoice.sent', 'org_st_a', `inv_sent_${i}`);
    const deliveries = (id: string, status: string) =>
      count('select count(*)::int as n from deliveries where destination_id = $1 and status = $2', [id, status]);
    for (const [id, status] of [
      [goodId, 'delivered'],
      [flakyId, 'delivered'],
      [badId, 'needs_retry'],
      [pausedId, 'pending'],
    ] as const) {
      await waitFor(
        () => deliveries(id, status),
        (n) => n >= 4,
        120_000,
        `4 ${status} deliveries to ${id}`,
      );
    }
    const oldest = async (id: string) =>
      (
        await pool.query<{ at: Date }>('select min(created_at) as at from deliveries where destination_id = $1', [id])
      ).rows[0]?.at.toISOString();

    const stats = await get<{ object: string; url: string; has_more: boolean; data: DestinationStatsBody[] }>('/api/v1/stats/destinations');
    expect(stats.status).toBe(200);
    expect(stats.body).toMatchObject({ object: 'list', url: '/api/v1/stats/destinations', has_more: false });
    const counts = (pending: number, needsRetry: number, delivered: number, failed: number) => ({
      pending,
      needs_retry: needsRetry,
      delivered,
      failed,
    });
    expect(stats.body.data).toEqual([
      {
        object: 'destination_stats',
        destination_id: pausedId,
        type: 'webhook',
        description: 'paused',
        active: false,
        disabled_reason: null,
        queue_depth: 4,
        oldest_pending_at: await oldest(pausedId),
        deliveries: counts(4, 0, 0, 0),
        last_hour: { attempts: 0, succeeded: 0, failed: 0, success_rate: null },
      },
      {
        object: 'destination_stats',
        destination_id: flakyId,
        type: 'webhook',
        description: 'flaky',
        active: true,
        disabled_reason: null,
        queue_depth: 0,
        oldest_pending_at: null,
        deliveries: counts(0, 0, 4, 0),
        last_hour: { attempts: 8, succeeded: 4, failed: 4, success_rate: 0.5 },
      },
      {
        object: 'destination_stats',
        destination_id: badId,
        type: 'webhook',
        description: 'bad',
        active: true,
        disabled_reason: null,
        queue_depth: 4,
        oldest_pending_at: await oldest(badId),
        deliveries: counts(0, 4, 0, 0),
        last_hour: { attempts: 4, succeeded: 0, failed: 4, success_rate: 0 },
      },
      {
        object: 'destination_stats',
        destination_id: goodId,
        type: 'webhook',
        description: 'good',
        active: true,
        disabled_reason: null,
        queue_depth: 0,
        oldest_pending_at: null,
        deliveries: counts(0, 0, 4, 0),
        last_hour: { attempts: 4, succeeded: 4, failed: 0, success_rate: 1 },
      },
    ]);

    const other = await get<{ data: DestinationStatsBody[] }>('/api/v1/stats/destinations', keyB);
    expect(other.body.data.map((destination) => [destination.destination_id, destination.queue_depth])).toEqual([[otherId, 0]]);
  });
});

interface LagBody {
  object: string;
  has_more: boolean;
  error?: string;
  data: {
    object: string;
    group_id: string;
    lag: number | null;
    updated_at: string;
    partitions: { topic: string; partition: number; next_offset: number; high_watermark: number | null; lag: number | null }[];
  }[];
}

describe('GET /api/v1/stats/consumers', () => {
  const materializerGroup = ctx.groupId('materializer');
  const lagOf = (body: LagBody) => body.data.find((group) => group.group_id === materializerGroup);

  it("gives each group's lag against Kafka's high watermarks: the records published while the materializer was stopped, then none", async () => {
    const invoices = entityTopic(ctx.topicPrefix, 'invoice');
    await materializer?.stop();
    materializer = undefined;
    for (let i = 0; i < 3; i++) await publish('invoice.created', 'org_st_a', `inv_lag_${i}`);

    const behind = await waitFor(
      async () => (await get<LagBody>('/api/v1/stats/consumers')).body,
      (body) => body.data.find((group) => group.group_id === materializerGroup)?.lag === 3,
      60_000,
      'a lag of 3 for the stopped materializer',
    );
    expect(behind.error).toBeUndefined();
    expect(behind).toMatchObject({ object: 'list', has_more: false });
    const stopped = lagOf(behind);
    expect(stopped?.object).toBe('consumer_lag');
    const partition = stopped?.partitions.find((p) => p.topic === invoices);
    expect(partition).toMatchObject({ partition: 0, lag: 3 });
    expect(partition?.high_watermark).toBe((partition?.next_offset ?? 0) + 3);
    for (const other of stopped?.partitions.filter((p) => p.topic !== invoices) ?? []) expect(other.lag).toBe(0);
    // Only this pipeline's topics; the streamer's group is there too.
    expect(behind.data.every((group) => group.partitions.every((p) => p.topic.startsWith(`${ctx.topicPrefix}.`)))).toBe(true);
    expect(behind.data.map((group) => group.group_id)).toContain(ctx.groupId('streamer'));
    const { rows } = await pool.query<{ at: Date }>('select max(updated_at) as at from consumer_offsets where group_id = $1', [
      materializerGroup,
    ]);
    expect(stopped?.updated_at).toBe(rows[0]?.at.toISOString());

    materializer = await startMaterializer(materializerOptions(ctx, schema, { lingerMs: 20 }));
    const caughtUp = await waitFor(
      async () => (await get<LagBody>('/api/v1/stats/consumers')).body,
      (body) => body.data.find((group) => group.group_id === materializerGroup)?.lag === 0,
      60_000,
      'no lag once the materializer runs',
    );
    const running = lagOf(caughtUp);
    expect(running?.partitions.find((p) => p.topic === invoices)).toMatchObject({
      lag: 0,
      next_offset: (partition?.next_offset ?? 0) + 3,
      high_watermark: (partition?.next_offset ?? 0) + 3,
    });
    expect(await count("select count(*)::int as n from events where entity_id like 'inv_lag_%'", [])).toBe(3);
  });

  it('answers null lag with an error, never a 500, when Kafka cannot be reached or was not configured', async () => {
    for (const kafkaBrokers of [['127.0.0.1:1'], undefined]) {
      const blind = await startTestApi(ctx, schema, { kafkaBrokers });
      try {
        const answer = await getJson<LagBody>(`${blind.url}/api/v1/stats/consumers`, keyB);
        expect(answer.status).toBe(200);
        expect(answer.body.error).toEqual(expect.any(String));
        expect(answer.body.data.length).toBeGreaterThan(0);
        for (const group of answer.body.data) {
          expect(group.lag).toBeNull();
          for (const p of group.partitions) {
            expect(p.high_watermark).toBeNull();
            expect(p.lag).toBeNull();
            expect(p.next_offset).toBeGreaterThanOrEqual(0);
          }
        }
      } finally {
        await blind.stop();
      }
    }
  });
});
