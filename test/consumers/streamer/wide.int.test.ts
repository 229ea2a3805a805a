import { setTimeout as sleep } from 'node:timers/promises';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useTestContext } from '../../harness/index.js';
import { waitFor } from '../../harness/materializer.js';
import { startWebhookReceiver, type ReceivedWebhook, type WebhookReceiver } from '../../harness/webhook-receiver.js';
import { startStreamerStack } from './setup.js';

const ctx = useTestContext('streamer_wide');
let stack: Awaited<ReturnType<typeof startStreamerStack>>;
let receiver: WebhookReceiver;

/** Past the API's default limit per organization (100), so the stack below raises it. */
const destinationCount = 200;
/**
 * Rounds of bursts: each round publishes `burst` events of every entity back to back, so a
 * destination has several events of one entity due at once and only per_entity ordering keeps
 * them in order. 5 rounds × 3 × 10 entities: 150 events, 30,000 deliveries.
 */
const rounds = 5;
const burst = 3;
const entities = [
  ...Array.from({ length: 5 }, (_, i) => ({ type: 'invoice.updated', id: `inv_wide_${i}` })),
  ...Array.from({ length: 5 }, (_, i) => ({ type: 'customer.updated', id: `cus_wide_${i}` })),
];
const eventCount = rounds * burst * entities.length;

beforeAll(async () => {
  stack = await startStreamerStack(ctx, {
    api: { maxDestinationsPerOrg: destinationCount },
    // The receiver answers on this process's event loop, shared with the streamer's 2,000 attempts
    // in flight: on a busy machine an answer can come after the harness's 3 s, and an attempt timed
    // out is sent again (at least once, by design). Exactly once is what this test checks, so the
    // timeout leaves room for the queue.
    overrides: { timeoutMs: 30_000 },
  });
  receiver = await startWebhookReceiver();
});

afterAll(async () => {
  await receiver?.close();
  await stack?.stop();
});

interface WideDestination {
  readonly id: string;
  readonly secret: string;
  readonly path: string;
}

describe('streamer with many destinations', () => {
  it('delivers events published while it runs to 200 per_entity destinations, each pair once as a success and in entity order', async () => {
    const startedAt = Date.now();
    // Every destination at its own path of the one receiver, so the receiver tells them apart without the store.
    const destinations: WideDestination[] = [];
    for (let index = 0; index < destinationCount; index++) {
      const path = `/wide/${index}`;
      const created = await stack.createDestination({
        type: 'webhook',
        event_types: ['invoice.*', 'customer.*'],
        ordering: 'per_entity',
        webhook: { url: `http://127.0.0.1:${receiver.port}${path}` },
      });
      destinations.push({ id: created.id, secret: created.secret ?? '', path });
    }
    const streamerPort = stack.streamer?.port ?? 0;
    await waitFor(
      () =>
        fetch(`http://127.0.0.1:${streamerPort}/healthz`)
          .then((response) => response.json() as Promise<{ consuming?: boolean }>)
          .catch(() => ({ consuming: false })),
      (health) => health.consuming === true,
      60_000,
      'the streamer to consume',
    );

    const createdAt = Date.now();
    // In rounds with pauses between them, so the first rounds are fanned out and delivered while later ones are published.
    const order = new Map<string, string[]>();
    const published: string[] = [];
    for (let round = 0; round < rounds; round++) {
      for (const entity of entities) {
        for (let k = 0; k < burst; k++) {
          const { eventId } = await stack.publish(entity.type, entity.id);
          order.set(entity.id, [...(order.get(entity.id) ?? []), eventId]);
          published.push(eventId);
        }
      }
      await sleep(300);
    }
    expect(published).toHaveLength(eventCount);
    const publishedAt = Date.now();

    const total = eventCount * destinationCount;
    await waitFor(
      async () => {
        const { rows } = await stack.pool.query<{ n: number }>(
          `select count(*)::int as n from deliveries where not test and status in ('delivered', 'failed')`,
        );
        return rows[0]?.n ?? 0;
      },
      (n) => n >= total,
      90_000,
      `${total} settled deliveries`,
    );
    console.info(
      `${destinationCount} destinations created in ${createdAt - startedAt} ms, ${eventCount} events published in ${publishedAt - createdAt} ms, ` +
        `${total} deliveries settled ${Date.now() - publishedAt} ms after the last publish`,
    );

    // Any attempt that did not succeed, by its error: the first thing to read when a check below fails.
    const { rows: failures } = await stack.pool.query<{ error: string | null; n: number }>(
      `select coalesce(error, outcome) as error, count(*)::int as n from delivery_attempts where outcome <> 'succeeded' group by 1 order by 2 desc limit 5`,
    );
    expect(failures).toEqual([]);

    // The receiver: each (event, destination) pair exactly once, each signed with its destination's secret.
    const byPath = new Map(destinations.map((destination) => [destination.path, destination]));
    const pairs = new Map<string, number>();
    const perDestination = new Map<string, ReceivedWebhook[]>();
    const unsigned: string[] = [];
    const strayPaths: string[] = [];
    for (const request of receiver.received) {
      const destination = byPath.get(request.path);
      if (destination === undefined) {
        strayPaths.push(request.path);
        continue;
      }
      const pair = `${(request.json as { id: string }).id} ${destination.path}`;
      pairs.set(pair, (pairs.get(pair) ?? 0) + 1);
      perDestination.set(destination.path, [...(perDestination.get(destination.path) ?? []), request]);
      if (!verifies(request, destination.secret)) unsigned.push(pair);
    }
    expect(strayPaths).toEqual([]);
    expect(receiver.received).toHaveLength(total);
    expect(receiver.received.every((request) => request.status === 204)).toBe(true);
    expect(pairs.size).toBe(total);
    expect([...pairs.values()].every((count) => count === 1)).toBe(true);
    expect(new Set(receiver.received.map((request) => request.id)).size).toBe(total);
    expect(unsigned).toEqual([]);
    for (const destination of destinations) {
      const seen = new Set((perDestination.get(destination.path) ?? []).map((request) => (request.json as { id: string }).id));
      expect(seen.size, `events at ${destination.path}`).toBe(eventCount);
      expect([...published].every((id) => seen.has(id))).toBe(true);
    }

    // Per entity, each destination got the events in publish order (there were no retries to reorder them).
    const disorder: string[] = [];
    for (const destination of destinations) {
      const requests = perDestination.get(destination.path) ?? [];
      for (const [entityId, ids] of order) {
        const arrived = requests
          .filter((request) => (request.json as { entity_id: string }).entity_id === entityId)
          .map((request) => (request.json as { id: string }).id);
        if (arrived.join() !== ids.join()) disorder.push(`${entityId} at ${destination.path}`);
      }
    }
    expect(disorder).toEqual([]);

    // The store: each pair once, delivered, with one attempt and that attempt a success.
    const { rows } = await stack.pool.query<{ deliveries: number; delivered: number; one_success: number; pairs: number }>(
      `select count(*)::int as deliveries,
              count(*) filter (where d.status = 'delivered' and d.times_attempted = 1)::int as delivered,
              count(*) filter (where a.attempts = 1 and a.successes = 1)::int as one_success,
              count(distinct (d.event_id, d.destination_id))::int as pairs
         from deliveries d
         left join lateral (
           select count(*)::int as attempts,
                  count(*) filter (where x.outcome = 'succeeded' and x.status_code between 200 and 299)::int as successes
             from delivery_attempts x where x.delivery_id = d.id
         ) a on true
        where not d.test and d.destination_id = any($1)`,
      [destinations.map((destination) => destination.id)],
    );
    expect(rows[0]).toEqual({ deliveries: total, delivered: total, one_success: total, pairs: total });
    // The webhook-id the receiver saw is the delivery of that very pair.
    const { rows: ids } = await stack.pool.query<{ id: string; event_id: string; destination_id: string }>(
      'select id, event_id, destination_id from deliveries where not test',
    );
    const deliveryOf = new Map(ids.map((row) => [row.id, `${row.event_id} ${row.destination_id}`]));
    const idOfPath = new Map(destinations.map((destination) => [destination.path, destination.id]));
    const mismatched = receiver.received.filter(
      (request) => deliveryOf.get(request.id) !== `${(request.json as { id: string }).id} ${idOfPath.get(request.path) ?? ''}`,
    );
    expect(mismatched.map((request) => request.id)).toEqual([]);
  });
});

function verifies(request: ReceivedWebhook, secret: string): boolean {
  try {
    new Webhook(secret).verify(request.body, {
      'webhook-id': request.id,
      'webhook-timestamp': request.timestamp,
      'webhook-signature': request.signature,
    });
    return true;
  } catch {
    return false;
  }
}
