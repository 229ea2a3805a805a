import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useTestContext } from '../../harness/index.js';
import { waitFor } from '../../harness/materializer.js';
import { startWebhookReceiver, type WebhookReceiver } from '../../harness/webhook-receiver.js';
import { startStreamerStack } from './setup.js';

/**
 * The delivery workers' safety poll is off here (10 minutes), so every delivery below reaches its
 * receiver only because something woke the workers: the fan-out that recorded it, a notice from the
 * API (a retry, a replay, a test send, a re-enable), a retry timer, or a batch coming of age.
 */
const ctx = useTestContext('streamer_wake_ups');
let stack: Awaited<ReturnType<typeof startStreamerStack>>;
let receiver: WebhookReceiver;

beforeAll(async () => {
  receiver = await startWebhookReceiver();
  stack = await startStreamerStack(ctx, { overrides: { pollMs: 600_000 } });
});

afterAll(async () => {
  await stack?.stop();
  await receiver?.close();
});

const bodiesWith = (text: string) => receiver.accepted().filter((request) => request.body.includes(text));
const arrived = (text: string, count: number, what: string) =>
  waitFor(
    () => Promise.resolve(bodiesWith(text).length),
    (n) => n >= count,
    60_000,
    what,
  );

describe('delivery wake-ups', () => {
  it('sends fanned-out deliveries, API retries, replays, test sends and re-enabled destinations without polling', async () => {
    const destination = await stack.createDestination({ type: 'webhook', event_types: ['invoice.*'], webhook: { url: receiver.url } });
    receiver.secret = destination.secret;
    for (let i = 0; i < 3; i++) await stack.publish('invoice.created', `inv_wake_${i}`);
    await arrived('inv_wake_', 3, 'three fanned-out deliveries');

    const [first] = (
      await stack.pool.query<{ id: string }>('select id from deliveries where destination_id = $1 order by seq limit 1', [destination.id])
    ).rows;
    const retried = await stack.call('POST', `/api/v1/deliveries/${first?.id}/retry`);
    expect(retried.status).toBe(200);
    await arrived('inv_wake_', 4, 'the retried delivery, sent again');

    const replay = await stack.call<{ deliveries: number }>('POST', `/api/v1/destinations/${destination.id}/replay`, {
      since: new Date(Date.now() - 3_600_000).toISOString(),
      status: 'all',
    });
    expect(replay.body.deliveries).toBe(3);
    await arrived('inv_wake_', 7, 'the replayed window');

    const test = await stack.call<{ id: string }>('POST', `/api/v1/destinations/${destination.id}/test`, { event_type: 'invoice.created' });
    expect(test.status).toBe(202);
    await waitFor(
      () => Promise.resolve(receiver.accepted().filter((request) => request.id === test.body.id).length),
      (n) => n === 1,
      60_000,
      'the test send',
    );

    expect((await stack.call('PATCH', `/api/v1/destinations/${destination.id}`, { active: false })).status).toBe(200);
    await stack.publish('invoice.created', 'inv_held_while_paused');
    await stack.settled(destination.id, 1, 'pending');
    expect(bodiesWith('inv_held_while_paused')).toHaveLength(0);
    expect((await stack.call('PATCH', `/api/v1/destinations/${destination.id}`, { active: true })).status).toBe(200);
    await arrived('inv_held_while_paused', 1, 'the delivery held while the destination was paused');
  });

  it('makes a scheduled retry when it is due, and sends a batch once its oldest delivery has waited long enough', async () => {
    const flaky = await startWebhookReceiver();
    try {
      // Each delivery is refused twice: its retries come due at times of their own, each on its timer.
      flaky.answer = ({ seen }) => (seen <= 2 ? { status: 503 } : { status: 204 });
      const destination = await stack.createDestination({ type: 'webhook', event_types: ['customer.*'], webhook: { url: flaky.url } });
      flaky.secret = destination.secret;
      for (let i = 0; i < 3; i++) await stack.publish('customer.created', `cus_wake_retry_${i}`);
      await stack.settled(destination.id, 3);
      expect(flaky.received.filter((request) => request.status === 503)).toHaveLength(6);
      expect(flaky.accepted()).toHaveLength(3);

      const batch = await stack.createDestination({
        type: 'webhook',
        event_types: ['customer.*'],
        webhook: { url: receiver.url, batch: { max_events: 50, max_wait_ms: 300 } },
      });
      await stack.publish('customer.updated', 'cus_wake_batch');
      // One event never fills a batch of 50: it goes once it has waited max_wait_ms.
      await stack.settled(batch.id, 1);
    } finally {
      await flaky.close();
    }
  });
});
