import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../../../adapters/project-root.js';
import { useTestContext } from '../../harness/index.js';
import { waitFor } from '../../harness/materializer.js';
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

/** `evp streamer` as its own process (Node with tsx's loader, so a SIGKILL reaches the streamer itself). */
function spawnStreamer(): ChildProcess {
  const root = projectRoot();
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'cli', 'evp.ts'), 'streamer', '--port', '0'], {
    cwd: root,
    env: {
      ...process.env,
      ...ctx.env,
      DATABASE_SCHEMA: stack.schema,
      STREAMER_GROUP: ctx.groupId('crash'),
      DESTINATION_ALLOWED_HOSTS: '127.0.0.1',
      STREAMER_RETRY_SCHEDULE_MS: '0,200,400,800,800,800',
      STREAMER_TIMEOUT_MS: '2000',
      STREAMER_MAX_CONCURRENCY: '4',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
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
  });
});
