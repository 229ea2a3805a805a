import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventIdTime } from '../../../core/ids.js';
import { useTestContext } from '../../harness/index.js';
import { startWebhookReceiver, type WebhookReceiver } from '../../harness/webhook-receiver.js';
import { countDeliveries, startStreamerStack } from './setup.js';

const ctx = useTestContext('streamer_isolation_latency');
let stack: Awaited<ReturnType<typeof startStreamerStack>>;
let healthy: WebhookReceiver;
let stuck: WebhookReceiver;
const events = 40;

beforeAll(async () => {
  stack = await startStreamerStack(ctx, { overrides: { timeoutMs: 4_000, retryScheduleMs: [0, 1_000, 2_000] } });
  healthy = await startWebhookReceiver();
  stuck = await startWebhookReceiver();
  healthy.answer = () => ({ status: 204 });
});

afterAll(async () => {
  await stack?.stop();
  await healthy?.close();
  await stuck?.close();
});

/** Publishes `events` events of `type` about 20 ms apart, as a steady producer would; returns their ids. */
async function publishSteadily(type: string, prefix: string): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < events; i++) {
    ids.push((await stack.publish(type, `inv_${prefix}_${i}`)).eventId);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return ids;
}

/** Publish→receipt of each event at the healthy receiver, in ms, from the time in its id. */
function latencies(ids: readonly string[]): { p50: number; p99: number; max: number } {
  const wanted = new Set(ids);
  const times = healthy.received
    .filter((request) => wanted.has((request.json as { id: string }).id))
    .map((request) => request.at - eventIdTime((request.json as { id: string }).id))
    .sort((a, b) => a - b);
  const at = (q: number) => times[Math.min(times.length - 1, Math.ceil(q * times.length) - 1)] ?? 0;
  return { p50: at(0.5), p99: at(0.99), max: times.at(-1) ?? 0 };
}

describe('streamer isolation: latency', () => {
  it("receivers that hang or answer slowly do not hold up a healthy destination's deliveries (percentiles printed beside a healthy-only run)", async () => {
    const destination = await stack.createDestination({ type: 'webhook', event_types: ['invoice.*'], webhook: { url: healthy.url } });
    healthy.secret = destination.secret;
    const alone = await publishSteadily('invoice.updated', 'alone');
    await stack.settled(destination.id, alone.length);

    // Three destinations of the same events whose receiver never answers, and one that answers after 3 s.
    stuck.answer = ({ json }) => ((json as { id: string }).id.endsWith('0') ? { status: 204, delayMs: 3_000 } : 'hang');
    const hanging: string[] = [];
    for (let i = 0; i < 4; i++)
      hanging.push(
        (await stack.createDestination({ type: 'webhook', event_types: ['invoice.paid'], webhook: { url: `${stuck.url}?n=${i}` } })).id,
      );
    const crowded = await publishSteadily('invoice.paid', 'crowded');
    await stack.settled(destination.id, alone.length + crowded.length);

    // Every event of the healthy destination was delivered while the stuck ones still had work in hand.
    const open = await stack.pool.query<{ n: number }>(
      `select count(*)::int as n from deliveries where destination_id = any($1) and status <> 'delivered'`,
      [hanging],
    );
    expect(open.rows[0]?.n).toBeGreaterThan(0);
    expect(await countDeliveries(stack.pool, destination.id, 'delivered')).toBe(2 * events);
    expect(healthy.received.every((request) => request.verified)).toBe(true);
    expect(stuck.received.length).toBeGreaterThan(0);

    const before = latencies(alone);
    const beside = latencies(crowded);
    console.log(
      [
        'publish→webhook latency of the healthy destination (ms):',
        `  healthy only:            p50 ${before.p50}, p99 ${before.p99}, max ${before.max}`,
        `  beside 4 stuck/slow ones: p50 ${beside.p50}, p99 ${beside.p99}, max ${beside.max}`,
      ].join('\n'),
    );
  });
});
