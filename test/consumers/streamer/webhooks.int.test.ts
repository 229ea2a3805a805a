import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSecretBox } from '../../../core/secret-box.js';
import { useTestContext } from '../../harness/index.js';
import { waitFor } from '../../harness/materializer.js';
import { startWebhookReceiver, type WebhookReceiver } from '../../harness/webhook-receiver.js';
import { freePort } from '../../harness/ports.js';
import { countDeliveries, startStreamerStack } from './setup.js';

const ctx = useTestContext('streamer_webhooks');
let stack: Awaited<ReturnType<typeof startStreamerStack>>;
const receivers: WebhookReceiver[] = [];

beforeAll(async () => {
  stack = await startStreamerStack(ctx);
});

afterAll(async () => {
  for (const receiver of receivers) await receiver.close();
  await stack?.stop();
});

async function receiver(port?: number): Promise<WebhookReceiver> {
  const started = await startWebhookReceiver(port === undefined ? {} : { port });
  receivers.push(started);
  return started;
}

const idsOf = (requests: readonly { json: unknown }[]) => requests.map((request) => (request.json as { id: string }).id);

describe('streamer webhooks', () => {
  it('delivers every subscribed event to a receiver that was down, once it is up, each once as a success', async () => {
    const port = await freePort();
    const destination = await stack.createDestination({
      type: 'webhook',
      event_types: ['invoice.*'],
      webhook: { url: `http://127.0.0.1:${port}/hook` },
    });
    const published: string[] = [];
    for (let i = 0; i < 20; i++) published.push((await stack.publish('invoice.created', `inv_down_${i}`)).eventId);
    await stack.publish('customer.created', 'cus_not_subscribed');

    // Nothing listens: every delivery fails its first attempt (connection refused) and waits for a retry.
    await waitFor(
      () =>
        stack.pool.query<{ n: number }>('select count(*)::int as n from deliveries where destination_id = $1 and times_attempted > 0', [
          destination.id,
        ]),
      (result) => result.rows[0]?.n === 20,
      120_000,
      'a first failed attempt of every delivery',
    );
    const attempt = await stack.pool.query<{ error: string }>(
      'select a.error from delivery_attempts a join deliveries d on d.id = a.delivery_id where d.destination_id = $1 limit 1',
      [destination.id],
    );
    expect(attempt.rows[0]?.error).toMatch(/ECONNREFUSED|refused/i);

    const up = await receiver(port);
    up.secret = destination.secret;
    await stack.settled(destination.id, 20);

    expect(await countDeliveries(stack.pool, destination.id)).toBe(20);
    expect(up.received.every((request) => request.verified)).toBe(true);
    expect(new Set(idsOf(up.accepted()))).toEqual(new Set(published));
    // The webhook-id is the delivery id: one per event, whatever the retries.
    const { rows } = await stack.pool.query<{ id: string; event_id: string; attempts: number; successes: number }>(
      `select d.id, d.event_id,
              (select count(*)::int from delivery_attempts a where a.delivery_id = d.id) as attempts,
              (select count(*)::int from delivery_attempts a where a.delivery_id = d.id and a.status_code between 200 and 299) as successes
         from deliveries d where d.destination_id = $1`,
      [destination.id],
    );
    expect(rows.every((row) => row.successes === 1 && row.attempts >= 2)).toBe(true);
    for (const request of up.accepted()) {
      const row = rows.find((candidate) => candidate.id === request.id);
      expect(row?.event_id).toBe((request.json as { id: string }).id);
    }
    // The body is the Events API's event object.
    expect(up.accepted()[0]?.json).toMatchObject({ object: 'event', type: 'invoice.created', organization_id: stack.organizationId });
  });

  it('a receiver answering 503 with Retry-After: 2 while down for 30 s gets every delivery once it is up', async () => {
    const busy = await receiver();
    const upAt = Date.now() + 30_000;
    busy.answer = () => (Date.now() < upAt ? { status: 503, headers: { 'retry-after': '2' }, body: 'down' } : { status: 200 });
    // Four quick retries, then one 30 s later: Retry-After may only make the waits longer.
    const destination = await stack.createDestination({
      type: 'webhook',
      event_types: ['invoice.deleted'],
      webhook: { url: busy.url },
      retry_schedule_ms: [0, 1_000, 1_000, 1_000, 30_000],
    });
    busy.secret = destination.secret;
    for (let i = 0; i < 10; i++) await stack.publish('invoice.deleted', `inv_busy_${i}`);

    await stack.settled(destination.id, 10, 'delivered', 120_000);
    expect(await countDeliveries(stack.pool, destination.id, 'failed')).toBe(0);
    const { rows } = await stack.pool.query<{ gap_ms: number }>(
      `select extract(epoch from a.attempted_at - p.attempted_at)::float * 1000 as gap_ms
         from delivery_attempts a join delivery_attempts p on p.delivery_id = a.delivery_id and p.attempt = a.attempt - 1
         join deliveries d on d.id = a.delivery_id where d.destination_id = $1`,
      [destination.id],
    );
    // No retry came sooner than the receiver asked.
    expect(rows.length).toBeGreaterThan(0);
    expect(Math.min(...rows.map((row) => row.gap_ms))).toBeGreaterThanOrEqual(1_900);
    expect(new Set(busy.accepted().map((request) => request.id)).size).toBe(10);
  });

  it('a destination answering 500s and one that hangs do not hold back a healthy one', async () => {
    const healthy = await receiver();
    const failing = await receiver();
    failing.answer = () => ({ status: 500, body: 'internal error' });
    const hanging = await receiver();
    hanging.answer = () => 'hang';
    const subscribe = { type: 'webhook', event_types: ['customer.updated'] };
    const good = await stack.createDestination({ ...subscribe, webhook: { url: healthy.url } });
    healthy.secret = good.secret;

    const latencies = async (count: number, prefix: string): Promise<number[]> => {
      const before = healthy.accepted().length;
      const sentAt = new Map<string, number>();
      for (let i = 0; i < count; i++) {
        const { eventId: id } = await stack.publish('customer.updated', `cus_${prefix}_${i}`);
        sentAt.set(id, Date.now());
      }
      await waitFor(
        () => Promise.resolve(healthy.accepted().length - before),
        (n) => n >= count,
        120_000,
        `${count} deliveries to the healthy receiver`,
      );
      return healthy
        .accepted()
        .slice(before)
        .map((request) => request.at - (sentAt.get((request.json as { id: string }).id) ?? request.at));
    };

    const alone = await latencies(30, 'alone');
    const bad = await stack.createDestination({ ...subscribe, webhook: { url: failing.url } });
    const stuck = await stack.createDestination({ ...subscribe, webhook: { url: hanging.url, timeout_ms: 60_000 } });
    await new Promise((resolve) => setTimeout(resolve, 500)); // the workers read destinations every 200 ms
    const beside = await latencies(30, 'beside');

    // The healthy destination got all 30 while the hanging one still holds its first attempts:
    // no settled delivery there, and its in-flight attempts are capped at its own concurrency.
    expect(await countDeliveries(stack.pool, good.id, 'delivered')).toBe(60);
    expect(await countDeliveries(stack.pool, stuck.id, 'delivered')).toBe(0);
    expect(hanging.received.length).toBeLessThanOrEqual(10);
    expect(hanging.received.length).toBeGreaterThan(0);
    expect(failing.received.length).toBeGreaterThan(0);
    expect(await countDeliveries(stack.pool, bad.id, 'delivered')).toBe(0);
    const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
    console.info(`healthy destination p50 latency: alone ${median(alone)} ms, beside a failing and a hanging one ${median(beside)} ms`);

    // Pause them so the rest of the file is not slowed by their retries.
    await stack.call('PATCH', `/api/v1/destinations/${bad.id}`, { active: false });
    await stack.call('PATCH', `/api/v1/destinations/${stuck.id}`, { active: false });
  });

  it('410 Gone disables the destination and emits destination.disabled to its subscribers; enabling it again emits destination.enabled', async () => {
    const gone = await receiver();
    gone.answer = () => ({ status: 410, body: 'gone' });
    const watcher = await receiver();
    const watching = await stack.createDestination({
      type: 'webhook',
      event_types: ['destination.disabled', 'destination.enabled'],
      webhook: { url: watcher.url },
    });
    watcher.secret = watching.secret;
    const destination = await stack.createDestination({ type: 'webhook', event_types: ['invoice.paid'], webhook: { url: gone.url } });
    await stack.publish('invoice.paid', 'inv_gone');

    const disabled = await waitFor(
      () => stack.call<{ active: boolean; disabled_reason: string | null }>('GET', `/api/v1/destinations/${destination.id}`),
      (answer) => answer.body.active === false,
      60_000,
      'the destination to be disabled',
    );
    expect(disabled.body.disabled_reason).toMatch(/410/);
    expect(await countDeliveries(stack.pool, destination.id, 'failed')).toBe(1);
    await waitFor(
      () => Promise.resolve(watcher.accepted().length),
      (n) => n >= 1,
      60_000,
      'destination.disabled at the watching receiver',
    );
    expect(watcher.accepted()[0]?.json).toMatchObject({
      type: 'destination.disabled',
      entity_id: destination.id,
      severity: 'warn',
      data: { id: destination.id, active: false, url: gone.url },
      previous_attributes: { active: true },
    });
    expect(watcher.accepted()[0]?.verified).toBe(true);

    // Disabled: later events are recorded and held, not attempted, until it is enabled again.
    await stack.publish('invoice.paid', 'inv_gone_later');
    await waitFor(
      () => countDeliveries(stack.pool, destination.id, 'pending'),
      (n) => n === 1,
      60_000,
      'the held delivery',
    );
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(gone.received).toHaveLength(1);
    gone.answer = () => ({ status: 200 });
    const enabled = await stack.call<{ active: boolean; disabled_reason: string | null }>(
      'PATCH',
      `/api/v1/destinations/${destination.id}`,
      {
        active: true,
      },
    );
    expect(enabled.body).toMatchObject({ active: true, disabled_reason: null });
    await stack.settled(destination.id, 1, 'delivered');
    expect(gone.received).toHaveLength(2);

    await waitFor(
      () => Promise.resolve(watcher.accepted().length),
      (n) => n >= 2,
      60_000,
      'destination.enabled at the watching receiver',
    );
    const keyId = (await stack.call<{ api_key: { id: string } }>('GET', '/api/v1/organization')).body.api_key.id;
    expect(watcher.accepted()[1]?.json).toMatchObject({
      type: 'destination.enabled',
      entity_id: destination.id,
      source: 'api',
      severity: 'info',
      actor: keyId,
      request_id: expect.stringMatching(/^req_/),
      data: { id: destination.id, active: true, disabled_reason: null, disabled_at: null, url: gone.url },
      previous_attributes: { active: false, disabled_reason: disabled.body.disabled_reason },
    });
    expect(watcher.accepted()[1]?.verified).toBe(true);

    // Already active: enabling again announces nothing. A pause announces nothing either; the
    // resume after it does. Its event shares the partition of any announcement before it, so once
    // its delivery is recorded, every earlier one would be too.
    const patch = async (active: boolean): Promise<string> => {
      const response = await fetch(`${stack.api.url}/api/v1/destinations/${destination.id}`, {
        method: 'PATCH',
        headers: { authorization: `Bearer ${stack.key}`, 'content-type': 'application/json' },
        body: JSON.stringify({ active }),
      });
      expect(response.status).toBe(200);
      return response.headers.get('request-id') ?? '';
    };
    const again = await patch(true);
    await patch(false);
    const resumed = await patch(true);
    await stack.settled(watching.id, 3);
    expect(await countDeliveries(stack.pool, watching.id)).toBe(3);
    expect(watcher.accepted().map((request) => (request.json as { type: string }).type)).toEqual([
      'destination.disabled',
      'destination.enabled',
      'destination.enabled',
    ]);
    expect(watcher.accepted()[2]?.json).toMatchObject({ request_id: resumed, previous_attributes: { active: false } });
    expect(watcher.accepted().map((request) => (request.json as { request_id: string | null }).request_id)).not.toContain(again);
  });

  it('a secret sealed under another key is not claimed: nothing is attempted or sent, the streamer says so, and after a rotation it is delivered', async () => {
    const hook = await receiver();
    const destination = await stack.createDestination({ type: 'webhook', event_types: ['invoice.cancelled'], webhook: { url: hook.url } });
    const otherKey = createSecretBox(randomBytes(32));
    await stack.pool.query('update destinations set secret = $2 where id = $1', [
      destination.id,
      otherKey.seal('whsec_c2VjcmV0IG9mIGFub3RoZXIga2V5IQ==', destination.id),
    ]);
    const metric = () =>
      fetch(`http://127.0.0.1:${stack.streamer?.port ?? 0}/metrics`)
        .then((response) => response.text())
        .then((text) => /^evp_streamer_destinations_secret_unreadable (\d+)$/m.exec(text)?.[1]);
    // The workers read the destinations again every 200 ms; until they have, they hold the secret
    // as it was created (readable), and a slow machine could deliver the event with it.
    await waitFor(metric, (value) => value === '1', 60_000, 'the unreadable secret in the metrics');
    await stack.publish('invoice.cancelled', 'inv_sealed_elsewhere');
    await stack.settled(destination.id, 1, 'pending');
    // A healthy destination's event published after this one is delivered: the workers went through
    // the destinations several times since, and left the unreadable one's delivery alone.
    const healthy = await receiver();
    const other = await stack.createDestination({ type: 'webhook', event_types: ['invoice.cancelled'], webhook: { url: healthy.url } });
    healthy.secret = other.secret;
    await stack.publish('invoice.cancelled', 'inv_after_unreadable');
    await stack.settled(other.id, 1);
    const row = await stack.pool.query<{ status: string; times_attempted: number }>(
      'select status, times_attempted from deliveries where destination_id = $1',
      [destination.id],
    );
    // Both events (the one after too) wait for it, unattempted.
    expect(row.rows).toEqual([
      { status: 'pending', times_attempted: 0 },
      { status: 'pending', times_attempted: 0 },
    ]);
    expect(hook.received).toHaveLength(0);
    const health = await stack.call<{ active: boolean; failing_since: string | null }>('GET', `/api/v1/destinations/${destination.id}`);
    expect(health.body).toMatchObject({ active: true, failing_since: null });

    const rotated = await stack.call<{ secret: string }>('POST', `/api/v1/destinations/${destination.id}/rotate-secret`, {});
    hook.secret = rotated.body.secret;
    await stack.settled(destination.id, 2);
    expect(hook.received).toHaveLength(2);
    expect(hook.accepted().map((request) => request.verified)).toEqual([true, true]);
    await waitFor(metric, (value) => value === '0', 60_000, 'the metric to clear');
  });

  it('per_entity ordering holds an entity back until its earlier event succeeded, across retries', async () => {
    const ordered = await receiver();
    // Fail the first two attempts of every delivery: each event needs three attempts.
    ordered.answer = ({ seen }) => (seen <= 2 ? { status: 503, body: 'busy' } : { status: 200 });
    const destination = await stack.createDestination({
      type: 'webhook',
      event_types: ['crm.deal.*', 'invoice.updated'],
      ordering: 'per_entity',
      webhook: { url: ordered.url },
    });
    ordered.secret = destination.secret;
    const expected = new Map<string, string[]>();
    for (let round = 0; round < 5; round++) {
      for (let entity = 0; entity < 4; entity++) {
        const entityId = `inv_ordered_${entity}`;
        const { eventId: id } = await stack.publish('invoice.updated', entityId);
        expected.set(entityId, [...(expected.get(entityId) ?? []), id]);
      }
    }
    await stack.settled(destination.id, 20);

    for (const [entityId, ids] of expected) {
      const requests = ordered.received.filter((request) => (request.json as { entity_id: string }).entity_id === entityId);
      // Every attempt of event k comes after the success of event k-1.
      const accepted = requests.filter((request) => request.status === 200);
      expect(idsOf(accepted)).toEqual(ids);
      for (let k = 1; k < ids.length; k++) {
        const previousSuccess = accepted[k - 1]?.at ?? 0;
        const firstAttempt = requests.find((request) => (request.json as { id: string }).id === ids[k]);
        expect(firstAttempt?.at).toBeGreaterThanOrEqual(previousSuccess);
        expect(requests.indexOf(firstAttempt!)).toBeGreaterThan(requests.indexOf(accepted[k - 1]!));
      }
    }
    expect(ordered.received.every((request) => request.verified)).toBe(true);
  });

  it('a rate limit spaces the attempts: never more than the bucket allows in any second', async () => {
    const paced = await receiver();
    const destination = await stack.createDestination({
      type: 'webhook',
      event_types: ['customer.imported'],
      rate_limit_per_second: 5,
      webhook: { url: paced.url },
    });
    for (let i = 0; i < 20; i++) await stack.publish('customer.imported', `cus_paced_${i}`);
    await stack.settled(destination.id, 20);
    const times = paced.received.map((request) => request.at).sort((a, b) => a - b);
    // A bucket of 5 refilled at 5/s: at most 5 + 5 in any one second, and 20 need at least 3 s.
    for (const start of times) expect(times.filter((at) => at >= start && at < start + 1_000).length).toBeLessThanOrEqual(10);
    expect((times.at(-1) ?? 0) - (times[0] ?? 0)).toBeGreaterThanOrEqual(2_900);
  });

  it('batch mode posts signed JSON arrays of at most max_events, every event once', async () => {
    const batches = await receiver();
    const destination = await stack.createDestination({
      type: 'webhook',
      event_types: ['customer.deleted'],
      webhook: { url: batches.url, batch: { max_events: 10, max_wait_ms: 300 } },
    });
    batches.secret = destination.secret;
    const published: string[] = [];
    for (let i = 0; i < 25; i++) published.push((await stack.publish('customer.deleted', `cus_batch_${i}`)).eventId);
    await stack.settled(destination.id, 25);

    const accepted = batches.accepted();
    expect(accepted.every((request) => request.verified && Array.isArray(request.json) && request.id.startsWith('bat_'))).toBe(true);
    expect(accepted.every((request) => (request.json as unknown[]).length <= 10)).toBe(true);
    const ids = accepted.flatMap((request) => (request.json as { id: string }[]).map((event) => event.id));
    expect(ids.sort()).toEqual([...published].sort());
    const { rows } = await stack.pool.query<{ batch_id: string }>('select distinct batch_id from deliveries where destination_id = $1', [
      destination.id,
    ]);
    expect(rows.map((row) => row.batch_id).sort()).toEqual(accepted.map((request) => request.id).sort());
  });
});
