import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { organizationDirectoryName } from '../../../core/organization-directory.js';
import { testFileRoot } from '../../harness/api.js';
import { useTestContext } from '../../harness/index.js';
import { waitFor } from '../../harness/materializer.js';
import { startWebhookReceiver, type WebhookReceiver } from '../../harness/webhook-receiver.js';
import { pruneDeletedDestinations } from '../../../store/destinations.js';
import { pruneDeliveries } from '../../../store/prune-deliveries.js';
import { countDeliveries, startStreamerStack } from './setup.js';

const ctx = useTestContext('streamer_log');
let stack: Awaited<ReturnType<typeof startStreamerStack>>;
const receivers: WebhookReceiver[] = [];
/** The file destination's directory, relative to the organization's own; `written` is where that is. */
const directory = `file-destination-${ctx.id}`;
let written: string;
/** Topics of the tenant's: outside the pipeline's `<prefix>.*`, which destinations may not write to. */
const tenantTopics: string[] = [];

beforeAll(async () => {
  stack = await startStreamerStack(ctx, { overrides: { retryScheduleMs: [0, 100, 100] } });
  written = path.join(testFileRoot, organizationDirectoryName(stack.organizationId), directory);
});

afterAll(async () => {
  for (const receiver of receivers) await receiver.close();
  await stack?.stop();
  await fs.rm(written, { recursive: true, force: true });
  const admin = ctx.kafka.admin();
  await admin.connect();
  await admin.deleteTopics({ topics: tenantTopics }).catch(() => undefined);
  await admin.disconnect();
});

async function createTenantTopic(name: string): Promise<string> {
  const topic = `${ctx.topicPrefix}-${name}`;
  const admin = ctx.kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: 1, replicationFactor: 1 }], waitForLeaders: true });
  await admin.disconnect();
  tenantTopics.push(topic);
  return topic;
}

async function receiver(): Promise<WebhookReceiver> {
  const started = await startWebhookReceiver();
  receivers.push(started);
  return started;
}

interface DeliveryView {
  id: string;
  status: string;
  event_id: string;
  event_type: string;
  test: boolean;
  times_attempted: number;
  event_retained: boolean;
  last_status_code: number | null;
  attempts: { attempt: number; status_code: number | null; error: string | null; response_body: string | null; duration_ms: number }[];
  event: { id: string; type: string };
}

describe('delivery log, retry, replay and test sends', () => {
  it('records every attempt with its status and answer, and pages and filters the log', async () => {
    const flaky = await receiver();
    flaky.answer = ({ seen }) => (seen === 1 ? { status: 500, body: 'x'.repeat(5_000) } : { status: 200, body: 'thanks' });
    const destination = await stack.createDestination({ type: 'webhook', event_types: ['invoice.sent'], webhook: { url: flaky.url } });
    const published: string[] = [];
    for (let i = 0; i < 5; i++) published.push((await stack.publish('invoice.sent', `inv_log_${i}`)).eventId);
    await stack.settled(destination.id, 5);

    const page = await stack.call<{ data: DeliveryView[]; has_more: boolean }>(
      'GET',
      `/api/v1/destinations/${destination.id}/deliveries?limit=3`,
    );
    expect(page.status).toBe(200);
    expect(page.body.data).toHaveLength(3);
    expect(page.body.has_more).toBe(true);
    const rest = await stack.call<{ data: DeliveryView[]; has_more: boolean }>(
      'GET',
      `/api/v1/destinations/${destination.id}/deliveries?limit=3&starting_after=${page.body.data[2]?.id}`,
    );
    expect(rest.body.has_more).toBe(false);
    const all = [...page.body.data, ...rest.body.data];
    expect(all.map((delivery) => delivery.event_id).sort()).toEqual([...published].sort());
    expect(all.every((delivery) => delivery.status === 'delivered' && delivery.times_attempted === 2 && delivery.event_retained)).toBe(
      true,
    );

    const one = await stack.call<DeliveryView>('GET', `/api/v1/deliveries/${all[0]?.id}`);
    expect(one.body.attempts.map((attempt) => attempt.status_code)).toEqual([500, 200]);
    expect(one.body.attempts[0]?.error).toBe('HTTP 500');
    expect(one.body.attempts[0]?.response_body?.length).toBe(2048);
    expect(one.body.attempts[1]?.response_body).toBe('thanks');
    expect(one.body.event).toMatchObject({ id: all[0]?.event_id, type: 'invoice.sent' });

    const filtered = await stack.call<{ data: DeliveryView[] }>('GET', `/api/v1/deliveries?event_id=${published[0]}`);
    expect(filtered.body.data.map((delivery) => delivery.event_id)).toEqual([published[0]]);
    const none = await stack.call<{ data: DeliveryView[] }>('GET', `/api/v1/destinations/${destination.id}/deliveries?status=failed`);
    expect(none.body.data).toEqual([]);
    const future = await stack.call<{ data: DeliveryView[] }>(
      'GET',
      `/api/v1/destinations/${destination.id}/deliveries?created[gte]=${new Date(Date.now() + 60_000).toISOString()}`,
    );
    expect(future.body.data).toEqual([]);

    const bad = await stack.call<{ error: { param: string } }>('GET', `/api/v1/destinations/${destination.id}/deliveries?status=lost`);
    expect(bad.status).toBe(400);
    expect(bad.body.error.param).toBe('status');
    const unknownType = await stack.call<{ error: { param: string } }>('GET', `/api/v1/deliveries?type=nope.*`);
    expect(unknownType.body.error.param).toBe('type');
    expect((await stack.call('GET', '/api/v1/deliveries/dlv_01a20c75-4023-77b5-8b15-3c15ec482a00')).status).toBe(404);
  });

  it('marks a delivery failed after its schedule, then a retry and a replay send it again', async () => {
    const refusing = await receiver();
    refusing.answer = () => ({ status: 400, body: 'no' });
    const destination = await stack.createDestination({
      type: 'webhook',
      event_types: ['invoice.cancelled'],
      webhook: { url: refusing.url },
    });
    const since = new Date(Date.now() - 1_000).toISOString();
    for (let i = 0; i < 3; i++) await stack.publish('invoice.cancelled', `inv_replay_${i}`);
    await stack.settled(destination.id, 3, 'failed');
    const failed = await stack.call<{ data: DeliveryView[] }>('GET', `/api/v1/destinations/${destination.id}/deliveries?status=failed`);
    expect(failed.body.data.every((delivery) => delivery.times_attempted === 3 && delivery.last_status_code === 400)).toBe(true);

    refusing.answer = () => ({ status: 200 });
    const target = failed.body.data[0] as DeliveryView;
    const retried = await stack.call<DeliveryView>('POST', `/api/v1/deliveries/${target.id}/retry`);
    expect(retried.status).toBe(200);
    expect(retried.body.status).toBe('pending');
    await stack.settled(destination.id, 1, 'delivered');

    const replay = await stack.call<{ deliveries: number }>('POST', `/api/v1/destinations/${destination.id}/replay`, { since });
    expect(replay.status).toBe(202);
    expect(replay.body.deliveries).toBe(2);
    await stack.settled(destination.id, 3, 'delivered');
    // The same webhook-ids as the failed attempts: receivers deduplicate on them.
    const ids = new Set(refusing.received.map((request) => request.id));
    expect(ids.size).toBe(3);

    const all = await stack.call<{ deliveries: number }>('POST', `/api/v1/destinations/${destination.id}/replay`, { since, status: 'all' });
    expect(all.body.deliveries).toBe(3);
    await stack.settled(destination.id, 3, 'delivered');

    const badWindow = await stack.call<{ error: { param: string } }>('POST', `/api/v1/destinations/${destination.id}/replay`, {
      since,
      until: '2020-01-01T00:00:00Z',
    });
    expect(badWindow.status).toBe(400);
    expect(badWindow.body.error.param).toBe('until');
    const badBody = await stack.call<{ error: { param: string } }>('POST', `/api/v1/destinations/${destination.id}/replay`, {
      since: 'yesterday',
    });
    expect(badBody.status).toBe(400);
    expect(badBody.body.error.param).toBe('since');
  });

  it('sends a test event of a chosen type, signed, and logs its attempt', async () => {
    const tester = await receiver();
    const destination = await stack.createDestination({ type: 'webhook', event_types: ['*'], webhook: { url: tester.url } });
    tester.secret = destination.secret;
    const sent = await stack.call<DeliveryView>('POST', `/api/v1/destinations/${destination.id}/test`, {
      event_type: 'crm.deal.stage_updated',
    });
    expect(sent.status).toBe(202);
    expect(sent.body).toMatchObject({ test: true, event_type: 'crm.deal.stage_updated', status: 'pending' });
    const done = await waitFor(
      () => stack.call<DeliveryView>('GET', `/api/v1/deliveries/${sent.body.id}`),
      (answer) => answer.body.status === 'delivered',
      60_000,
      'the test delivery',
    );
    expect(done.body.attempts).toHaveLength(1);
    expect(tester.accepted()).toHaveLength(1);
    expect(tester.accepted()[0]).toMatchObject({ id: sent.body.id, verified: true });
    expect(tester.accepted()[0]?.json).toMatchObject({
      object: 'event',
      type: 'crm.deal.stage_updated',
      organization_id: stack.organizationId,
    });

    const unknown = await stack.call<{ error: { param: string } }>('POST', `/api/v1/destinations/${destination.id}/test`, {
      event_type: 'invoice.exploded',
    });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.param).toBe('event_type');
  });

  it('streams subscribed events into a Kafka topic and a file directory, and only those', async () => {
    const topic = await createTenantTopic('customer-copy');
    const kafka = await stack.createDestination({
      type: 'kafka',
      event_types: ['customer.created'],
      kafka: { brokers: [...ctx.endpoints.kafkaBrokers], topic },
    });
    const file = await stack.createDestination({
      type: 'file',
      event_types: ['customer.created'],
      severities: ['info'],
      file: { directory, rotate_bytes: 4096 },
    });
    const published: string[] = [];
    for (let i = 0; i < 30; i++) {
      published.push((await stack.publish('customer.created', `cus_copy_${i}`)).eventId);
      await stack.publish('customer.updated', `cus_copy_${i}`);
    }
    await stack.publish('customer.created', 'cus_copy_critical', { severity: 'critical' });
    await stack.settled(kafka.id, 31);
    await stack.settled(file.id, 30);

    const consumer = await ctx.createConsumer('copy');
    const seen: { key: string; id: string; deliveryId: string }[] = [];
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      eachMessage: ({ message }) => {
        const event = JSON.parse(message.value?.toString() ?? '{}') as { id: string };
        seen.push({ key: message.key?.toString() ?? '', id: event.id, deliveryId: message.headers?.['evp-delivery-id']?.toString() ?? '' });
        return Promise.resolve();
      },
    });
    await waitFor(
      () => Promise.resolve(seen.length),
      (n) => n >= 31,
      60_000,
      'the Kafka destination topic',
    );
    expect(seen).toHaveLength(31);
    // Three source partitions: one global order is not promised, each entity's is (one event each here).
    expect(
      seen
        .map((message) => message.id)
        .filter((id) => published.includes(id))
        .sort(),
    ).toEqual([...published].sort());
    expect(seen.every((message) => message.key.startsWith('cus_copy_'))).toBe(true);
    expect(seen.every((message) => message.deliveryId.startsWith('dlv_'))).toBe(true);

    const files = (await fs.readdir(written)).filter((name) => name.endsWith('.ndjson')).sort();
    expect(files.length).toBeGreaterThan(1);
    const lines = (await Promise.all(files.map((name) => fs.readFile(path.join(written, name), 'utf8'))))
      .join('')
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as { id: string; type: string; severity: string });
    expect(lines.map((event) => event.id).sort()).toEqual([...published].sort());
    expect(lines.every((event) => event.type === 'customer.created' && event.severity === 'info')).toBe(true);
  });

  it('disables a destination whose every attempt failed for longer than the disable period (5 days)', async () => {
    const down = await receiver();
    down.answer = () => ({ status: 502, body: 'bad gateway' });
    const destination = await stack.createDestination({ type: 'webhook', event_types: ['invoice.approved'], webhook: { url: down.url } });
    await stack.publish('invoice.approved', 'inv_failing_0');
    await waitFor(
      () => stack.call<{ failing_since: string | null }>('GET', `/api/v1/destinations/${destination.id}`),
      (answer) => answer.body.failing_since !== null,
      60_000,
      'failing_since to be set',
    );
    // As if it had been failing for six days: the next failure disables it.
    await stack.pool.query("update destinations set failing_since = now() - interval '6 days' where id = $1", [destination.id]);
    await stack.publish('invoice.approved', 'inv_failing_1');
    const disabled = await waitFor(
      () => stack.call<{ active: boolean; disabled_reason: string | null }>('GET', `/api/v1/destinations/${destination.id}`),
      (answer) => !answer.body.active,
      60_000,
      'the destination to be disabled',
    );
    expect(disabled.body.disabled_reason).toMatch(/^every attempt failed since /);
  });

  it('serves health and metrics: attempts by outcome, attempt latency, queue depth and oldest pending age', async () => {
    const port = stack.streamer?.port;
    const health = await fetch(`http://127.0.0.1:${port}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ ok: true, consuming: true, database: 'up' });
    const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    expect(metrics).toMatch(/evp_streamer_attempts_total\{type="webhook",outcome="delivered"\} \d+/);
    expect(metrics).toMatch(/evp_streamer_attempts_total\{type="webhook",outcome="failed"\} \d+/);
    expect(metrics).toMatch(/evp_streamer_attempt_duration_seconds_bucket\{le="0.1",type="webhook",result="2xx"\} \d+/);
    expect(metrics).toMatch(/evp_streamer_deliveries_recorded_total\{topic="[^"]+\.invoice"\} \d+/);
    expect(metrics).toContain('evp_streamer_queue_depth');
    expect(metrics).toContain('evp_streamer_oldest_pending_seconds');
    expect(metrics).toMatch(/evp_streamer_consumer_lag\{topic="[^"]+",partition="\d"\} 0/);
  });

  it('prunes deliveries and their attempts past the retention, and keeps the rest', async () => {
    const { rows } = await stack.pool.query<{ destination_id: string }>('select destination_id from deliveries limit 1');
    const destinationId = rows[0]?.destination_id as string;
    const before = await countDeliveries(stack.pool, destinationId);
    await stack.pool.query(
      `insert into deliveries (id, organization_id, destination_id, event_id, event_type, entity_type, entity_id, status, created_at)
       values ('dlv_00000000-0000-7000-8000-000000000001', $1, $2, 'evt_00000000-0000-7000-8000-000000000001', 'invoice.sent',
               'invoice', 'inv_old', 'delivered', now() - interval '91 days')`,
      [stack.organizationId, destinationId],
    );
    await stack.pool.query(
      `insert into delivery_attempts (delivery_id, attempt, attempted_at, outcome, duration_ms, status_code)
       values ('dlv_00000000-0000-7000-8000-000000000001', 1, now() - interval '91 days', 'succeeded', 12, 200)`,
    );
    expect(await pruneDeliveries(stack.pool, 90)).toBe(1);
    expect(await countDeliveries(stack.pool, destinationId)).toBe(before);
    const attempts = await stack.pool.query(
      "select 1 from delivery_attempts where delivery_id = 'dlv_00000000-0000-7000-8000-000000000001'",
    );
    expect(attempts.rowCount).toBe(0);
  });

  it("wipes a deleted destination's secret at once, and removes the row once it is past retention and no delivery refers to it", async () => {
    const hook = await receiver();
    const destination = await stack.createDestination({ type: 'webhook', event_types: ['invoice.deleted'], webhook: { url: hook.url } });
    await stack.publish('invoice.deleted', 'inv_gone');
    await stack.settled(destination.id, 1);
    const recent = await stack.createDestination({ type: 'webhook', event_types: ['invoice.deleted'], webhook: { url: hook.url } });
    await stack.pool.query('delete from deliveries where destination_id = $1', [recent.id]);
    for (const id of [destination.id, recent.id]) expect((await stack.call('DELETE', `/api/v1/destinations/${id}`)).status).toBe(200);

    const row = async (id: string) =>
      (
        await stack.pool.query<{ secret: string | null; previous_secret: string | null; credentials: unknown }>(
          'select secret, previous_secret, credentials from destinations where id = $1',
          [id],
        )
      ).rows[0];
    expect(await row(destination.id)).toEqual({ secret: null, previous_secret: null, credentials: null });

    await stack.pool.query(`update destinations set deleted_at = now() - interval '91 days' where id = $1`, [destination.id]);
    // Its delivery is still kept: the row stays.
    expect(await pruneDeletedDestinations(stack.pool, 90)).toBe(0);
    await stack.pool.query('delete from deliveries where destination_id = $1', [destination.id]);
    expect(await pruneDeletedDestinations(stack.pool, 90)).toBe(1);
    expect(await row(destination.id)).toBeUndefined();
    // Deleted within the retention period: kept, though nothing refers to it.
    expect(await row(recent.id)).toEqual({ secret: null, previous_secret: null, credentials: null });
  });
});
