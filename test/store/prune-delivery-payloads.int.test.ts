import type pg from 'pg';
import { beforeAll, describe, expect, it } from 'vitest';
import { migratePool } from '../../adapters/migrate.js';
import { catchAllWebhook, insertDestination } from '../../store/destinations.js';
import { pruneDeliveryPayloads } from '../../store/prune-delivery-payloads.js';
import { useTestContext } from '../harness/index.js';
import { createTestLogger } from '../harness/log-sink.js';

const ctx = useTestContext('prune-payloads');
const organizationId = 'org_prune';
const destinationId = 'dst_prune';
let pool: pg.Pool;

beforeAll(async () => {
  const database = await ctx.createTestDatabase();
  pool = database.pool;
  await migratePool(pool, database.schema, createTestLogger('error'));
  await insertDestination(pool, {
    id: destinationId,
    organization_id: organizationId,
    type: 'webhook',
    secret: null,
    ...catchAllWebhook('http://127.0.0.1:9/', 'receiver'),
  });
});

async function insertPayload(eventId: string, options: { test?: boolean; ageDays: number }) {
  await pool.query(
    `insert into delivery_payloads (organization_id, event_id, test, payload, used_at)
     values ($1, $2, $3, $4, now() - make_interval(days => $5))`,
    [organizationId, eventId, options.test ?? false, { id: eventId }, options.ageDays],
  );
}

async function insertDelivery(eventId: string, test = false, db: pg.ClientBase | pg.Pool = pool) {
  await db.query(
    `insert into deliveries (id, organization_id, destination_id, event_id, event_type, entity_type, entity_id, test)
     values ($1, $2, $3, $4, 'invoice.paid', 'invoice', 'inv_1', $5)`,
    [`dlv_${eventId}_${test}`, organizationId, destinationId, eventId, test],
  );
}

async function remaining(): Promise<string[]> {
  const { rows } = await pool.query<{ key: string }>(
    `select event_id || case when test then ' (test)' else '' end as key from delivery_payloads order by 1`,
  );
  return rows.map((row) => row.key);
}

describe('pruneDeliveryPayloads', () => {
  it('prune deletes payloads no delivery refers to and unused past the retention, and keeps the rest', async () => {
    // Unreferenced and old: deleted, over several chunks.
    for (const eventId of ['evt_old_1', 'evt_old_2', 'evt_old_3']) await insertPayload(eventId, { ageDays: 91 });
    // Old, but a delivery still sends it.
    await insertPayload('evt_referenced', { ageDays: 91 });
    await insertDelivery('evt_referenced');
    // Unreferenced, but a fan-out used it within the retention (it may be about to refer to it).
    await insertPayload('evt_recent', { ageDays: 1 });
    // A test send's delivery refers to its own payload only: the event's other payload goes.
    await insertPayload('evt_tested', { ageDays: 91 });
    await insertPayload('evt_tested', { test: true, ageDays: 91 });
    await insertDelivery('evt_tested', true);

    expect(await pruneDeliveryPayloads(pool, 90, 2)).toBe(4);
    expect(await remaining()).toEqual(['evt_recent', 'evt_referenced', 'evt_tested (test)']);
    expect(await pruneDeliveryPayloads(pool, 90, 2)).toBe(0);
  });

  it('prune keeps a payload a fan-out renews while the prune waits for it', async () => {
    await insertPayload('evt_raced', { ageDays: 91 });
    const fanOut = await pool.connect();
    const prune = await pool.connect();
    try {
      // A fan-out of the event again: it has renewed the payload and not yet committed.
      await fanOut.query('begin');
      await fanOut.query(
        `insert into delivery_payloads (organization_id, event_id, test, payload) values ($1, 'evt_raced', false, '{}')
         on conflict (organization_id, event_id, test) do update set used_at = now()`,
        [organizationId],
      );
      const pid = (await prune.query<{ pid: number }>('select pg_backend_pid() as pid')).rows[0]!.pid;
      const pruning = pruneDeliveryPayloads(prune, 90);
      // The prune chose the row from its snapshot (old, unreferenced) and waits for the fan-out's lock.
      for (let waited = 0; ; waited += 20) {
        const { rows } = await pool.query<{ waiting: boolean }>(
          `select wait_event_type = 'Lock' as waiting from pg_stat_activity where pid = $1`,
          [pid],
        );
        if (rows[0]?.waiting) break;
        if (waited > 10_000) throw new Error('the prune never waited for the fan-out');
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      await insertDelivery('evt_raced', false, fanOut);
      await fanOut.query('commit');
      expect(await pruning).toBe(0);
      expect(await remaining()).toContain('evt_raced');
    } finally {
      fanOut.release();
      prune.release();
    }
  });
});
