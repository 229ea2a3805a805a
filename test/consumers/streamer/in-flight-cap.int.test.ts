import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useTestContext } from '../../harness/index.js';
import { startStreamerStack } from './setup.js';

/**
 * One streamer process keeps at most STREAMER_MAX_IN_FLIGHT attempts open, whatever the number of
 * destinations, so its sockets stay bounded; destinations that waited for room still get all.
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
    open += 1;
    most = Math.max(most, open);
    request.resume();
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
  await stack?.stop();
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve));
});

describe('attempts in flight per streamer', () => {
  it('keeps at most STREAMER_MAX_IN_FLIGHT attempts open across destinations, and delivers every one', async () => {
    const destinations = [];
    for (let i = 0; i < 5; i++)
      destinations.push(await stack.createDestination({ type: 'webhook', event_types: ['invoice.*'], webhook: { url: `${url}/${i}` } }));
    for (let i = 0; i < 12; i++) await stack.publish('invoice.created', `inv_cap_${i}`);
    for (const destination of destinations) await stack.settled(destination.id, 12);

    expect(answered).toBe(60);
    // Each destination alone may have 10 in flight; together they are held to the process's 4.
    expect(most).toBe(4);
  });
});
