import fs from 'node:fs';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestLogger } from '../harness/log-sink.js';
import { migrate, migrationsDir } from '../../adapters/migrate.js';
import { createPartitionManager, dayOf, partitionName } from '../../store/event-partitions.js';
import { createEventId } from '../../core/ids.js';
import type { Publisher } from '../../producers/types.js';
import { useTestContext } from '../harness/index.js';
import {
  countEvents,
  materializerOptions,
  prepareEntities,
  readEntities,
  testPublisher,
  waitFor,
  withMaterializer,
} from '../harness/materializer.js';
import { sampleData } from '../harness/samples.js';

const ctx = useTestContext('store');
const logger = createTestLogger('error');
const day = 86_400_000;
let publisher: Publisher;

beforeAll(async () => {
  await prepareEntities(ctx, ['crm.deal'], 2);
  publisher = testPublisher(ctx);
});

afterAll(async () => {
  await publisher.close();
});

async function partitionsOf(pool: pg.Pool): Promise<string[]> {
  const { rows } = await pool.query<{ name: string }>(
    `select c.relname as name from pg_inherits i join pg_class c on c.oid = i.inhrelid where i.inhparent = 'events'::regclass order by 1`,
  );
  return rows.map((row) => row.name);
}

describe('event store', () => {
  it('applies migrations once when instances start together', async () => {
    const { schema } = await ctx.createTestDatabase();
    const clients = await Promise.all(
      [1, 2, 3].map(async () => {
        const client = new pg.Client({ connectionString: ctx.endpoints.databaseUrl });
        await client.connect();
        return client;
      }),
    );
    try {
      const applied = await Promise.all(clients.map((client) => migrate(client, schema, logger)));
      // Each migration once, whichever instance ran it.
      const all = fs.readdirSync(migrationsDir).map((file) => file.replace(/\.sql$/, ''));
      expect(applied.flat().sort()).toEqual(all.sort());
      expect(await migrate(clients[0]!, schema, logger)).toEqual([]);
    } finally {
      await Promise.all(clients.map((client) => client.end()));
    }
  });

  it('keeps events for EVENT_RETENTION_DAYS: older ones update state only, and old day partitions are dropped whole', async () => {
    const { pool, schema } = await ctx.createTestDatabase();
    const org = 'org_retention';
    const now = Date.now();
    const publish = (at: number, entityId: string, type = 'crm.deal.created') =>
      publisher.publishUntyped(type, {
        id: createEventId(at),
        organization_id: org,
        occurred_at: at,
        data: sampleData('crm.deal', entityId),
      });
    await publish(now - 10 * day, 'deal_old');
    await publish(now - 1 * day, 'deal_recent');
    await publish(now, 'deal_now');

    const options = materializerOptions(ctx, schema, { retentionDays: 3 });
    await withMaterializer(options, async (materializer) => {
      await waitFor(
        async () => (await readEntities(pool)).size,
        (n) => n >= 3,
        60_000,
        'three entities',
      );
      const metrics = await (await fetch(`http://127.0.0.1:${materializer.port}/metrics`)).text();
      expect(metrics).toMatch(/^evp_materializer_events_expired_total\{topic="[^"]+\.crm\.deal"\} 1$/m);
    });
    expect(await countEvents(pool)).toBe(2);
    expect([...(await readEntities(pool)).keys()].sort()).toEqual([
      `${org}/crm.deal/deal_now`,
      `${org}/crm.deal/deal_old`,
      `${org}/crm.deal/deal_recent`,
    ]);

    // A partition of a day past retention (as an older run would have left it) is detached and dropped.
    const manager = createPartitionManager(pool, logger);
    const today = dayOf(now);
    await manager.ensure([today - 10, today - 4]);
    expect(await partitionsOf(pool)).toContain(partitionName(today - 10));
    expect(await manager.prune(today - 3)).toEqual([partitionName(today - 10), partitionName(today - 4)]);
    const left = await partitionsOf(pool);
    expect(left).not.toContain(partitionName(today - 10));
    expect(left).toContain(partitionName(today - 1));
    expect(await countEvents(pool)).toBe(2);
  });
});
