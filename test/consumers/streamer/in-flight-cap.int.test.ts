import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useTestContext } from '../../harness/index.js';
import { waitFor } from '../../harness/materializer.js';
import { countDeliveries, startStreamerStack } from './setup.js';

/**
 * One streamer process keeps about STREAMER_MAX_IN_FLIGHT attempts open, whatever the number of
 * destinations, so its sockets stay bounded: past it only a destination with nothing in flight
 * may start one, so destinations that hang cannot starve the others.
 */
const ctx = useTestContext('streamer_in_flight_cap');
let stack: Awaited<ReturnType<typeof startStreamerStack>>;
let server: Server;
let url = '';
let open = 0;
let most = 0;
let answered = 0;

beforeAll(async () => {
  server = createServer((request, response) => {
    request.resume();
    // The hanging destination never answers (its attempts time out).
    if (request.url?.endsWith('/hang') === true) return;
    open += 1;
    most = Math.max(most, open);
    setTimeout(() => {
      open -= 1;
      answered += 1;
      response.writeHead(204).end();
    }, 100);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  stack = await startStreamerStack(ctx, { overrides: { maxInFlight: 4 } });
});

afterAll(async () => {
  // The hanging attempts end at once rather than at their timeout.
  server?.closeAllConnections();
  await stack?.stop();
  await new Promise((resolve) => server?.close(resolve));
});

describe('attempts in flight per streamer', () => {
  it('keeps about STREAMER_MAX_IN_FLIGHT attempts open across destinations, and delivers every one', async () => {
    const destinations = [];
    for (let i = 0; i < 5; i++)
      destinations.push(await stack.createDestination({ type: 'webhook', event_types: ['invoice.*'], webhook: { url: `${url}/${i}` } }));
    for (let i = 0; i < 12; i++) await stack.publish('invoice.created', `inv_cap_${i}`);
    for (const destination of destinations) await stack.settled(destination.id, 12);

    expect(answered).toBe(60);
    // Each destination alone may have 10 in flight (50); together they are held to the process's 4,
    // plus one each for a destination that had none in flight when the process was full.
    expect(most).toBeGreaterThanOrEqual(4);
    expect(most).toBeLessThanOrEqual(4 + 5);
  });

  it('lets a destination through while hanging ones fill the process', async () => {
    const hanging = await stack.createDestination({
      type: 'webhook',
      event_types: ['customer.*'],
      webhook: { url: `${url}/hang`, timeout_ms: 5_000 },
    });
    for (let i = 0; i < 6; i++) await stack.publish('customer.created', `cus_cap_hang_${i}`);
    await waitFor(
      async () => {
        const health = await fetch(`http://127.0.0.1:${stack.streamer?.port ?? 0}/healthz`);
        return ((await health.json()) as { attemptsInFlight: number }).attemptsInFlight;
      },
      (n) => n >= 4,
      60_000,
      'the hanging destination filling the process',
    );
    const healthy = await stack.createDestination({ type: 'webhook', event_types: ['customer.*'], webhook: { url: `${url}/healthy` } });
    for (let i = 0; i < 5; i++) await stack.publish('customer.updated', `cus_cap_healthy_${i}`);
    await stack.settled(healthy.id, 5);
    expect(await countDeliveries(stack.pool, hanging.id, 'delivered')).toBe(0);
  });
});
