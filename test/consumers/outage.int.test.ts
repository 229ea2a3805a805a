import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Publisher } from '../../producers/types.js';
import { useTestContext } from '../harness/index.js';
import {
  countEvents,
  duplicateEvents,
  materializerOptions,
  planWorkload,
  prepareEntities,
  publishPlanned,
  testPublisher,
  waitFor,
  withMaterializer,
} from '../harness/materializer.js';
import { startTcpProxy, type TcpProxy } from '../harness/tcp-proxy.js';

const ctx = useTestContext('outage');
let publisher: Publisher;
let proxy: TcpProxy;

beforeAll(async () => {
  await prepareEntities(ctx, ['invoice'], 3);
  publisher = testPublisher(ctx);
  const url = new URL(ctx.endpoints.databaseUrl);
  proxy = await startTcpProxy({ host: url.hostname, port: Number(url.port || 5432) });
});

afterAll(async () => {
  await proxy.close();
  await publisher.close();
});

describe('materializer: PostgreSQL outage', () => {
  it('pauses while PostgreSQL is unreachable, says so on /healthz, and loses nothing when it is back', async () => {
    const { pool, schema } = await ctx.createTestDatabase();
    const proxied = new URL(ctx.endpoints.databaseUrl);
    proxied.port = String(proxy.port);
    const { events } = planWorkload(6000, ['invoice'], 6, 'org_outage');

    await withMaterializer(materializerOptions(ctx, schema, { databaseUrl: proxied.toString(), batchSize: 200 }), async (materializer) => {
      const health = async () => {
        const response = await fetch(`http://127.0.0.1:${materializer.port}/healthz`);
        return { status: response.status, body: (await response.json()) as Record<string, unknown> };
      };
      await publishPlanned(publisher, events.slice(0, 3000), 'org_outage');
      await waitFor(
        () => countEvents(pool),
        (n) => n > 0,
        60_000,
        'the first rows',
      );

      await proxy.stop();
      await publishPlanned(publisher, events.slice(3000), 'org_outage');
      const down = await waitFor(health, (h) => h.status === 503, 60_000, '/healthz to report the outage');
      expect(down.body).toMatchObject({ ok: false, database: 'paused' });
      expect(String(down.body['reason'])).toMatch(/PostgreSQL is unreachable/);
      const metrics = await (await fetch(`http://127.0.0.1:${materializer.port}/metrics`)).text();
      expect(metrics).toMatch(/^evp_materializer_database_up 0$/m);
      await sleep(3000); // a few failed retries while down

      await proxy.start();
      await waitFor(
        () => countEvents(pool),
        (n) => n >= 6000,
        120_000,
        'every event after the outage',
      );
      await waitFor(health, (h) => h.status === 200, 30_000, '/healthz to recover');
    });

    expect(await countEvents(pool)).toBe(6000);
    expect(await duplicateEvents(pool)).toBe(0);
  });
});
