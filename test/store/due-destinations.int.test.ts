import { describe, expect, it } from 'vitest';
import { migratePool } from '../../adapters/migrate.js';
import { dueDestinations } from '../../store/due-destinations.js';
import { useTestContext } from '../harness/index.js';
import { createTestLogger } from '../harness/log-sink.js';

const ctx = useTestContext('due-destinations');

describe('destinations with due work', () => {
  it('names the destinations with an unleased delivery due now, and the earliest later one', async () => {
    const { pool, schema } = await ctx.createTestDatabase();
    await migratePool(pool, schema, createTestLogger('silent'));
    for (let i = 0; i < 40; i++)
      await pool.query(
        `insert into destinations (id, organization_id, type, event_types, settings) values ($1, 'org_1', 'webhook', '{*}', '{}')`,
        [`dst_${String(i).padStart(2, '0')}`],
      );
    expect(await dueDestinations(pool)).toEqual({ now: [], nextAt: null });

    let n = 0;
    const delivery = (destination: string, status: string, nextAttempt: string, lease: string | null = null) =>
      pool.query(
        `insert into deliveries (id, organization_id, destination_id, event_id, event_type, entity_type, entity_id, status, next_attempt_at, lease_expires_at, lease_owner)
         values ($1, 'org_1', $2, $3, 'invoice.created', 'invoice', 'inv_1', $4, now() + $5::interval, now() + $6::interval, $7)`,
        [`dlv_${n}`, destination, `evt_${n++}`, status, nextAttempt, lease, lease === null ? null : 'worker'],
      );
    await delivery('dst_03', 'pending', '-1 second');
    await delivery('dst_07', 'needs_retry', '-1 second');
    // Held by a worker: not due, whatever its time.
    await delivery('dst_11', 'pending', '-1 second', '30 seconds');
    // A lease that ran out: due again.
    await delivery('dst_12', 'pending', '-1 second', '-1 second');
    // Settled: never due.
    await delivery('dst_20', 'delivered', '-1 second');
    await delivery('dst_21', 'failed', '-1 second');
    // Due later: not now, but the earliest of them is when to look again.
    await delivery('dst_30', 'needs_retry', '5 minutes');
    await delivery('dst_31', 'needs_retry', '2 minutes');
    await delivery('dst_03', 'needs_retry', '1 minute');

    const due = await dueDestinations(pool);
    expect(due.now.sort()).toEqual(['dst_03', 'dst_07', 'dst_12']);
    const { rows } = await pool.query<{ at: Date }>(`select next_attempt_at as at from deliveries where id = 'dlv_8'`);
    expect(due.nextAt).toEqual(rows[0]?.at);
  });
});
