import { describe, expect, it } from 'vitest';
import { migratePool } from '../../adapters/migrate.js';
import { claimDeliveries, unclaimDeliveries } from '../../store/claim-deliveries.js';
import { useTestContext } from '../harness/index.js';
import { createTestLogger } from '../harness/log-sink.js';

const ctx = useTestContext('unclaim-deliveries');

describe('handing back claimed deliveries', () => {
  it('frees the lease and removes the claim’s attempt, as if it had not been claimed; only the holder’s', async () => {
    const { pool, schema } = await ctx.createTestDatabase();
    await migratePool(pool, schema, createTestLogger('silent'));
    await pool.query(
      `insert into destinations (id, organization_id, type, event_types, settings) values ('dst_1', 'org_1', 'webhook', '{*}', '{}')`,
    );
    await pool.query(
      `insert into delivery_payloads (organization_id, event_id, test, payload) values ('org_1', 'evt_1', false, '{}'), ('org_1', 'evt_2', false, '{}')`,
    );
    await pool.query(
      `insert into deliveries (id, organization_id, destination_id, event_id, event_type, entity_type, entity_id, next_attempt_at)
       values ('dlv_1', 'org_1', 'dst_1', 'evt_1', 'invoice.created', 'invoice', 'inv_1', now()),
              ('dlv_2', 'org_1', 'dst_1', 'evt_2', 'invoice.created', 'invoice', 'inv_2', now())`,
    );
    const claim = { destinationId: 'dst_1', perEntity: false, limit: 2, leaseMs: 30_000 };
    const claimed = await claimDeliveries(pool, { ...claim, owner: 'worker_a' });
    expect(claimed.map((d) => d.id).sort()).toEqual(['dlv_1', 'dlv_2']);

    // Another owner cannot hand them back; the holder can.
    expect(await unclaimDeliveries(pool, 'worker_b', claimed)).toBe(0);
    expect(await unclaimDeliveries(pool, 'worker_a', claimed)).toBe(2);
    const { rows } = await pool.query<{ leased: number; attempted: number; attempts: number; started: number }>(
      `select count(*) filter (where lease_owner is not null)::int as leased, sum(times_attempted)::int as attempted,
              (select count(*)::int from delivery_attempts) as attempts,
              count(*) filter (where schedule_started_at is not null or last_attempt_at is not null)::int as started
         from deliveries`,
    );
    expect(rows[0]).toEqual({ leased: 0, attempted: 0, attempts: 0, started: 0 });
    // Due again at once: the next claim takes them, as attempt 1.
    const again = await claimDeliveries(pool, { ...claim, owner: 'worker_b' });
    expect(again.map((d) => d.timesAttempted)).toEqual([1, 1]);
  });
});
