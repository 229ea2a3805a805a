import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestKey } from '../../harness/api.js';
import { useTestContext } from '../../harness/index.js';
import { waitFor } from '../../harness/materializer.js';
import { startWebhookReceiver, type WebhookReceiver } from '../../harness/webhook-receiver.js';
import { countDeliveries, startStreamerStack, type Answer } from './setup.js';

const ctx = useTestContext('streamer_isolation');
let stack: Awaited<ReturnType<typeof startStreamerStack>>;
let receiver: WebhookReceiver;

/** Organization A's, stored past the API's rules: headers the HTTP client refuses before sending. */
const hostileHeaders = [{ upgrade: 'websocket' }, { 'x-token': 'abc\r\nx-injected: 1' }] as const;
const hostileEvents = 40;
const healthyEvents = 20;

beforeAll(async () => {
  stack = await startStreamerStack(ctx, { organizationId: 'org_hostile' });
  receiver = await startWebhookReceiver();
});

afterAll(async () => {
  await receiver?.close();
  // Bounded, so that a streamer that cannot stop fails the test above instead of hanging the run.
  await Promise.race([stack?.stop(), sleep(20_000)]);
});

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function callAs<T = Record<string, unknown>>(key: string, method: string, path: string, body?: unknown): Promise<Answer<T>> {
  const response = await fetch(`${stack.api.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, body: (await response.json()) as T };
}

async function attemptsTo(destinationIds: readonly string[]): Promise<number> {
  const { rows } = await stack.pool.query<{ n: number }>(
    'select count(*)::int as n from delivery_attempts a join deliveries d on d.id = a.delivery_id where d.destination_id = any($1)',
    [destinationIds],
  );
  return rows[0]?.n ?? 0;
}

describe('streamer isolation', () => {
  it("a destination whose headers the HTTP client refuses does not stall another organization's webhooks on the same origin", async () => {
    const subscription = { type: 'webhook', event_types: ['invoice.created'], webhook: { url: receiver.url } };
    // Stored past the API, as a row written before the rule existed would be.
    const hostile: string[] = [];
    for (const headers of hostileHeaders) {
      const { id } = await stack.createDestination(subscription);
      await stack.pool.query(`update destinations set settings = jsonb_set(settings, '{headers}', $2::jsonb) where id = $1`, [
        id,
        JSON.stringify(headers),
      ]);
      hostile.push(id);
    }
    const keyB = await createTestKey(stack.pool, 'org_healthy');
    const created = await callAs<{ id: string; secret: string }>(keyB, 'POST', '/api/v1/destinations', subscription);
    expect(created.status).toBe(201);
    const healthy = created.body;
    receiver.secret = healthy.secret;
    await sleep(500); // the workers read the destinations every 200 ms

    for (let i = 0; i < hostileEvents; i++) await stack.publish('invoice.created', `inv_hostile_${i}`);
    // Past the 16 connections one origin used to share: each refused request used to leave one busy for good.
    await waitFor(
      () => attemptsTo(hostile),
      (n) => n >= 16,
      60_000,
      'the first attempts to the hostile destinations',
    );

    const published: string[] = [];
    for (let i = 0; i < healthyEvents; i++)
      published.push((await stack.publish('invoice.created', `inv_healthy_${i}`, { organization_id: 'org_healthy' })).eventId);
    await stack.settled(healthy.id, healthyEvents, 'delivered', 30_000);

    expect(await countDeliveries(stack.pool, healthy.id)).toBe(healthyEvents);
    expect(receiver.received).toHaveLength(healthyEvents);
    expect(receiver.received.every((request) => request.verified && request.status === 204)).toBe(true);
    expect(new Set(receiver.received.map((request) => (request.json as { id: string }).id))).toEqual(new Set(published));

    // The hostile deliveries fail for good on the retry schedule, each attempt refused before any connection.
    for (const id of hostile) await stack.settled(id, hostileEvents, 'failed', 60_000);
    const reasons = [
      /invalid header: "upgrade" cannot be set: .*\(invalid_header\)$/,
      /invalid header: the value of "x-token" contains CR .*\(invalid_header\)$/,
    ];
    for (const [index, id] of hostile.entries()) {
      const log = await stack.call<{ data: { status: string; last_error: string | null }[] }>(
        'GET',
        `/api/v1/destinations/${id}/deliveries?limit=100`,
      );
      expect(log.body.data).toHaveLength(hostileEvents);
      for (const delivery of log.body.data) {
        expect(delivery.status).toBe('failed');
        expect(delivery.last_error).toMatch(reasons[index] as RegExp);
        expect(delivery.last_error).not.toContain('injected');
      }
    }
    const health = (await (await fetch(`http://127.0.0.1:${stack.streamer?.port ?? 0}/healthz`)).json()) as Record<string, unknown>;
    expect(health).toMatchObject({ ok: true, webhooks: { state: 'ok', stalledAttempts: 0 } });

    const stopping = Date.now();
    const stopped = await Promise.race([stack.streamer?.stop().then(() => true), sleep(15_000).then(() => false)]);
    expect(stopped, 'the streamer stops within 15 s').toBe(true);
    expect(Date.now() - stopping).toBeLessThan(5_000);
  });

  it('the API refuses those headers with a 400 naming the header', async () => {
    for (const headers of hostileHeaders) {
      const answer = await stack.call<{ error: { param: string; message: string } }>('POST', '/api/v1/destinations', {
        type: 'webhook',
        event_types: ['invoice.created'],
        webhook: { url: receiver.url, headers },
      });
      const name = Object.keys(headers)[0] as string;
      expect(answer.status).toBe(400);
      expect(answer.body.error.param).toBe(`webhook.headers.${name}`);
      expect(answer.body.error.message).toContain(name);
    }
  });
});
