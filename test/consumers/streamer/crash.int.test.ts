import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useTestContext } from '../../harness/index.js';
import { waitFor } from '../../harness/materializer.js';
import { spawnStreamerProcess } from '../../harness/evp-process.js';
import { startTcpProxy } from '../../harness/tcp-proxy.js';
import { startWebhookReceiver, type WebhookReceiver } from '../../harness/webhook-receiver.js';
import { countDeliveries, startStreamerStack } from './setup.js';

const ctx = useTestContext('streamer_crash');
let stack: Awaited<ReturnType<typeof startStreamerStack>>;
let receiver: WebhookReceiver;
const children: ChildProcess[] = [];

beforeAll(async () => {
  stack = await startStreamerStack(ctx, { startStreamer: false });
  receiver = await startWebhookReceiver();
});

afterAll(async () => {
  for (const child of children) child.kill('SIGKILL');
  await receiver?.close();
  await stack?.stop();
});

function spawnStreamer(env: Record<string, string> = {}): ChildProcess {
  const child = spawnStreamerProcess(ctx, stack.schema, 'crash', env);
  children.push(child);
  return child;
}

describe('streamer: crash safety', () => {
  it('killed with SIGKILL mid-run and restarted, it loses nothing and records no delivery twice as a success', async () => {
    receiver.answer = () => ({ status: 200, delayMs: 15 });
    const destination = await stack.createDestination({ type: 'webhook', event_types: ['invoice.*'], webhook: { url: receiver.url } });
    receiver.secret = destination.secret;
    const published = new Set<string>();
    const publish = async (from: number, to: number) => {
      for (let i = from; i < to; i++) published.add((await stack.publish('invoice.updated', `inv_crash_${i % 40}`)).eventId);
    };
    await publish(0, 150);

    const first = spawnStreamer();
    // The rest arrives while the first streamer fans out and delivers, and after it is killed.
    const rest = publish(150, 300);
    await waitFor(
      () => Promise.resolve(receiver.accepted().length),
      (n) => n >= 60,
      120_000,
      'the first deliveries',
    );
    first.kill('SIGKILL');
    await once(first, 'exit');
    expect(receiver.accepted().length).toBeLessThan(300);
    await rest;

    const second = spawnStreamer();
    await stack.settled(destination.id, 300, 'delivered', 150_000);
    second.kill('SIGTERM');
    const [code] = (await once(second, 'exit')) as [number | null];
    expect(code).toBe(0);

    expect(await countDeliveries(stack.pool, destination.id)).toBe(300);
    const { rows } = await stack.pool.query<{ successes: number; n: number }>(
      `select successes, count(*)::int as n from (
         select d.id, (select count(*)::int from delivery_attempts a where a.delivery_id = d.id and a.status_code between 200 and 299) as successes
           from deliveries d where d.destination_id = $1) s group by successes`,
      [destination.id],
    );
    expect(rows).toEqual([{ successes: 1, n: 300 }]);
    // The receiver saw every event; an attempt cut off by the kill may have reached it twice, under one webhook-id.
    const events = new Set(receiver.accepted().map((request) => (request.json as { id: string }).id));
    expect(events).toEqual(published);
    const ids = new Set(receiver.accepted().map((request) => request.id));
    expect(ids.size).toBe(300);
    expect(receiver.received.every((request) => request.verified)).toBe(true);
    // Every request the receiver saw is an attempt on record: a delivery has at least as many attempts as requests.
    const attempts = await attemptsByDelivery(destination.id);
    const requests = new Map<string, number>();
    for (const request of receiver.received) requests.set(request.id, (requests.get(request.id) ?? 0) + 1);
    const unrecorded = [...requests].filter(([id, seen]) => (attempts.get(id)?.length ?? 0) < seen);
    expect(unrecorded).toEqual([]);
  });

  it('an attempt cut off by SIGKILL stays on the record as unknown, and the next one follows it', async () => {
    receiver.answer = () => ({ status: 200, delayMs: 4_000 });
    // Another event type than the test before, whose destination is still active.
    const destination = await stack.createDestination({ type: 'webhook', event_types: ['customer.*'], webhook: { url: receiver.url } });
    receiver.secret = destination.secret;
    const before = receiver.received.length;
    await stack.publish('customer.updated', 'cus_cut_off');

    const first = spawnStreamer({ STREAMER_TIMEOUT_MS: '5000' });
    await waitFor(
      () => Promise.resolve(receiver.received.length - before),
      (n) => n >= 1,
      60_000,
      'the first request',
    );
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    first.kill('SIGKILL');
    await once(first, 'exit');

    const second = spawnStreamer({ STREAMER_TIMEOUT_MS: '5000' });
    await stack.settled(destination.id, 1, 'delivered', 90_000);
    second.kill('SIGTERM');
    await once(second, 'exit');

    const seen = receiver.received.slice(before);
    expect(seen.length).toBe(2);
    expect(new Set(seen.map((request) => request.id)).size).toBe(1);
    const [deliveryId] = [...(await attemptsByDelivery(destination.id)).keys()];
    const answer = await stack.call<{
      times_attempted: number;
      attempts: { outcome: string; error: string | null; duration_ms: number | null }[];
    }>('GET', `/api/v1/deliveries/${deliveryId}`);
    expect(answer.body.times_attempted).toBe(2);
    expect(answer.body.attempts.map((attempt) => [attempt.outcome, attempt.error])).toEqual([
      ['unknown', 'worker stopped before the answer'],
      ['succeeded', null],
    ]);
    expect(answer.body.attempts[0]?.duration_ms).toBeNull();
  });

  it('an outcome the database cannot take is kept and written once it is back: one attempt, one request', async () => {
    const target = new URL(ctx.endpoints.databaseUrl);
    const proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port || 5432) });
    const proxied = new URL(ctx.endpoints.databaseUrl);
    proxied.port = String(proxy.port);
    try {
      receiver.answer = () => ({ status: 200, delayMs: 2_000 });
      const destination = await stack.createDestination({ type: 'webhook', event_types: ['invoice.paid'], webhook: { url: receiver.url } });
      receiver.secret = destination.secret;
      const streamer = spawnStreamer({ STREAMER_TIMEOUT_MS: '5000', DATABASE_URL: proxied.toString() });
      await stack.publish('invoice.paid', 'inv_db_cut');
      const deliveryId = await waitFor(
        async () => {
          const { rows } = await stack.pool.query<{ id: string }>('select id from deliveries where destination_id = $1', [destination.id]);
          const id = rows[0]?.id;
          return id !== undefined && receiver.received.some((request) => request.id === id) ? id : undefined;
        },
        (id) => id !== undefined,
        60_000,
        'the request',
      );
      // The answer comes while PostgreSQL is out of reach, and for 6 s after.
      await proxy.stop();
      await new Promise((resolve) => setTimeout(resolve, 8_000));
      await proxy.start();
      await stack.settled(destination.id, 1, 'delivered', 60_000);
      streamer.kill('SIGTERM');
      await once(streamer, 'exit');

      expect(receiver.received.filter((request) => request.id === deliveryId).length).toBe(1);
      const { rows } = await stack.pool.query<{ outcome: string; status_code: number | null }>(
        'select outcome, status_code from delivery_attempts where delivery_id = $1 order by attempt',
        [deliveryId],
      );
      expect(rows).toEqual([{ outcome: 'succeeded', status_code: 200 }]);
    } finally {
      await proxy.close();
    }
  });
});

/** Each delivery's attempts on record, by delivery id. */
async function attemptsByDelivery(destinationId: string): Promise<Map<string, string[]>> {
  const { rows } = await stack.pool.query<{ id: string; outcomes: string[] }>(
    `select d.id, array_agg(a.outcome order by a.attempt) as outcomes
       from deliveries d join delivery_attempts a on a.delivery_id = d.id where d.destination_id = $1 group by d.id`,
    [destinationId],
  );
  return new Map(rows.map((row) => [row.id, row.outcomes]));
}
