import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../../adapters/project-root.js';
import type { Publisher } from '../../producers/types.js';
import { getJson, openStream } from '../harness/api.js';
import { useTestContext } from '../harness/index.js';
import { testPublisher, waitFor } from '../harness/materializer.js';
import { sampleData } from '../harness/samples.js';
import { startWebhookReceiver, type WebhookReceiver } from '../harness/webhook-receiver.js';
import { freePorts } from '../harness/ports.js';

const ctx = useTestContext('e2e');
let schema: string;
let publisher: Publisher;
let receiver: WebhookReceiver;
let start: ChildProcess | undefined;
const ports = { api: 0, materializer: 0, streamer: 0, demo: 0 };

beforeAll(async () => {
  ({ schema } = await ctx.createTestDatabase());
  publisher = testPublisher(ctx);
  receiver = await startWebhookReceiver();
  [ports.api, ports.materializer, ports.streamer, ports.demo] = (await freePorts(4)) as [number, number, number, number];
});

afterAll(async () => {
  start?.kill('SIGKILL');
  await receiver?.close();
  await publisher?.close();
  await fs.rm(path.join(os.homedir(), '.local', 'share', 'event-pipeline', `demo-api-key.${schema}`), { force: true });
});

/** The processes under `pid`, children first found by `ps` (the supervised services). */
function descendants(pid: number): number[] {
  const table = execFileSync('ps', ['-e', '-o', 'pid=,ppid='], { encoding: 'utf8' })
    .trim()
    .split('\n')
    .map((line) => line.trim().split(/\s+/).map(Number) as [number, number]);
  const found: number[] = [];
  const visit = (parent: number) => {
    for (const [child, ppid] of table) {
      if (ppid !== parent) continue;
      found.push(child);
      visit(child);
    }
  };
  visit(pid);
  return found;
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

async function portFree(port: number): Promise<boolean> {
  const server = net.createServer();
  return new Promise((resolve) => {
    server.once('error', () => resolve(false));
    server.listen(port, '0.0.0.0', () => server.close(() => resolve(true)));
  });
}

describe('the whole pipeline, as npm start runs it', () => {
  it('serves published events through the API, the history, the live tail and a webhook, then stops leaving nothing behind', async () => {
    const root = projectRoot();
    start = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        path.join(root, 'cli', 'evp.ts'),
        'start',
        '--registry-storage',
        'memory',
        '--demo-rate',
        '30/s',
        '--demo-port',
        String(ports.demo),
      ],
      {
        cwd: root,
        env: {
          ...process.env,
          ...ctx.env,
          DATABASE_SCHEMA: schema,
          API_PORT: String(ports.api),
          MATERIALIZER_PORT: String(ports.materializer),
          STREAMER_PORT: String(ports.streamer),
          LOG_LEVEL: 'warn',
        },
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    let stdout = '';
    start.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    await waitFor(
      () => Promise.resolve(stdout),
      (text) => text.includes('Press Ctrl-C'),
      180_000,
      'evp start to print that it is ready',
    );
    const key = /API key\s+(evp_sk_\S+)\s+\(organization (\S+)\)/.exec(stdout);
    expect(key).not.toBeNull();
    const [, apiKey, organization] = key as unknown as [string, string, string];
    const api = `http://127.0.0.1:${ports.api}`;
    expect(stdout).toContain(`${api}/docs`);
    // The web console is served by the same API, from the build npm ci made.
    expect(stdout).toContain(`${api}/console/`);
    const page = await fetch(`${api}/console/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toContain('text/html');
    const html = await page.text();
    const script = /src="(\/console\/assets\/[^"]+\.js)"/.exec(html)?.[1];
    expect(script).toBeDefined();
    const bundle = await fetch(`${api}${script}`);
    expect(bundle.status).toBe(200);
    expect(bundle.headers.get('cache-control')).toContain('immutable');

    // A destination of our own, created through the API with the printed key.
    const created = await fetch(`${api}/api/v1/destinations`, {
      method: 'POST',
      headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ type: 'webhook', event_types: ['invoice.*'], entity_types: ['invoice'], webhook: { url: receiver.url } }),
    });
    expect(created.status).toBe(201);
    const destination = (await created.json()) as { id: string; secret: string };
    receiver.secret = destination.secret;
    await new Promise((resolve) => setTimeout(resolve, 1_500)); // the streamer reads destinations every second
    const stream = await openStream(`${api}/api/v1/events/stream?entity_id=inv_e2e_1`, apiKey);

    const published: string[] = [];
    const types = ['invoice.created', 'invoice.approved', 'invoice.sent', 'invoice.paid'];
    for (const type of types) {
      const result = await publisher.publishUntyped(type, {
        organization_id: organization,
        data: { ...sampleData('invoice', 'inv_e2e_1'), id: 'inv_e2e_1' },
      });
      published.push(result.eventId);
    }

    const listed = await waitFor(
      () => getJson<{ data: { id: string }[] }>(`${api}/api/v1/events?entity_id=inv_e2e_1`, apiKey),
      (answer) => answer.body.data.length === 4,
      120_000,
      'the events in the API',
    );
    expect(listed.body.data.map((event) => event.id).reverse()).toEqual(published);
    const history = await getJson<{ data: { id: string; type: string }[] }>(`${api}/api/v1/entities/invoice/inv_e2e_1/history`, apiKey);
    expect(history.body.data.map((event) => event.type)).toEqual(types);
    await waitFor(
      () => Promise.resolve(stream.messages.filter((message) => message.id !== undefined).length),
      (n) => n >= 4,
      60_000,
      'the live tail',
    );
    expect(stream.messages.filter((message) => message.id !== undefined).map((message) => message.id)).toEqual(published);
    await stream.close();
    await waitFor(
      () => Promise.resolve(receiver.accepted().length),
      (n) => n >= 4,
      120_000,
      'the webhook deliveries',
    );
    expect(new Set(receiver.accepted().map((request) => (request.json as { id: string }).id))).toEqual(new Set(published));
    expect(receiver.received.every((request) => request.verified)).toBe(true);

    // The demo traffic flows too: other entities of the demo organization are in the API.
    const demo = await waitFor(
      () => getJson<{ data: { entity_type: string }[] }>(`${api}/api/v1/events?limit=100`, apiKey),
      (answer) => new Set(answer.body.data.map((event) => event.entity_type)).size > 2,
      120_000,
      'demo events',
    );
    expect(new Set(demo.body.data.map((event) => event.entity_type)).size).toBeGreaterThan(2);

    const children = descendants(start.pid as number);
    expect(children.length).toBeGreaterThanOrEqual(4);
    start.kill('SIGINT');
    const [code] = (await once(start, 'exit')) as [number | null];
    expect(code).toBe(0);
    start = undefined;
    // Every service process is gone (a few seconds' grace for the kernel to reap them).
    await waitFor(
      () => Promise.resolve(children.filter(alive)),
      (left) => left.length === 0,
      10_000,
      'the service processes to be gone',
    );
    for (const port of Object.values(ports)) expect(await portFree(port)).toBe(true);
  });
});
