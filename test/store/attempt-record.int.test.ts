import type pg from 'pg';
import { beforeAll, describe, expect, it } from 'vitest';
import { migratePool } from '../../adapters/migrate.js';
import { abandonedAttemptError, claimDeliveries } from '../../store/claim-deliveries.js';
import { completeAttempts, releaseLeases, type CompletedAttempt } from '../../store/complete-attempt.js';
import { getDelivery } from '../../store/get-delivery.js';
import { useTestContext } from '../harness/index.js';
import { createTestLogger } from '../harness/log-sink.js';

const ctx = useTestContext('attempt-record');
let pool: pg.Pool;
const claim = { destinationId: 'dst_1', perEntity: false, limit: 10, leaseMs: 30_000 };

beforeAll(async () => {
  const database = await ctx.createTestDatabase();
  pool = database.pool;
  await migratePool(pool, database.schema, createTestLogger('silent'));
  await pool.query(
    `insert into destinations (id, organization_id, type, event_types, settings) values ('dst_1', 'org_1', 'webhook', '{*}', '{}')`,
  );
});

/** A due delivery of its own event. */
async function delivery(id: string): Promise<void> {
  await pool.query(`insert into delivery_payloads (organization_id, event_id, test, payload) values ('org_1', $1, false, '{}')`, [
    `evt_${id}`,
  ]);
  await pool.query(
    `insert into deliveries (id, organization_id, destination_id, event_id, event_type, entity_type, entity_id, next_attempt_at)
     values ($1, 'org_1', 'dst_1', $2, 'invoice.created', 'invoice', 'inv_1', now())`,
    [id, `evt_${id}`],
  );
}

const answered = (id: string, attempt: number, status: number): CompletedAttempt => ({
  startedAt: new Date(),
  durationMs: 7,
  statusCode: status,
  error: status < 300 ? null : `HTTP ${status}`,
  responseBody: null,
  deliveries: [
    { id, attempt, batchId: null, status: status < 300 ? 'delivered' : 'needs_retry', nextAttemptAt: status < 300 ? null : new Date() },
  ],
});

const attemptsOf = async (id: string) =>
  (await getDelivery(pool, 'org_1', id))?.attempts.map((attempt) => [attempt.attempt, attempt.outcome, attempt.error]);
const rowsOf = async (id: string) =>
  (await pool.query<{ n: number }>('select count(*)::int as n from delivery_attempts where delivery_id = $1', [id])).rows[0]?.n;
const expireLease = (id: string) => pool.query(`update deliveries set lease_expires_at = now() - interval '1 second' where id = $1`, [id]);

describe('the attempt log: one row per attempt, written with its outcome', () => {
  it('reads the attempt being made as sending from the lease, and writes its row once with the answer', async () => {
    await delivery('dlv_a');
    const [claimed] = await claimDeliveries(pool, { ...claim, owner: 'worker_a' });
    expect(claimed?.id).toBe('dlv_a');
    expect(claimed?.tookOver).toBe(false);
    expect(await attemptsOf('dlv_a')).toEqual([[1, 'sending', null]]);
    expect(await rowsOf('dlv_a')).toBe(0);

    expect(await completeAttempts(pool, 'worker_a', [answered('dlv_a', 1, 200)])).toEqual(new Set(['dlv_a']));
    expect(await attemptsOf('dlv_a')).toEqual([[1, 'succeeded', null]]);
    expect(await rowsOf('dlv_a')).toBe(1);
  });

  it('an attempt whose lease ran out reads unknown, goes on record as unknown when another worker takes the delivery, and its own late answer still completes it', async () => {
    await delivery('dlv_b');
    await claimDeliveries(pool, { ...claim, owner: 'worker_a' });
    await expireLease('dlv_b');
    expect(await attemptsOf('dlv_b')).toEqual([[1, 'unknown', abandonedAttemptError]]);

    const [taken] = await claimDeliveries(pool, { ...claim, owner: 'worker_b' });
    expect(taken).toMatchObject({ id: 'dlv_b', timesAttempted: 2, tookOver: true });
    expect(await attemptsOf('dlv_b')).toEqual([
      [1, 'unknown', abandonedAttemptError],
      [2, 'sending', null],
    ]);

    // The first worker's answer arrives late: the attempt is completed, the delivery is the second worker's.
    expect(await completeAttempts(pool, 'worker_a', [answered('dlv_b', 1, 500)])).toEqual(new Set());
    expect(await completeAttempts(pool, 'worker_b', [answered('dlv_b', 2, 200)])).toEqual(new Set(['dlv_b']));
    expect(await attemptsOf('dlv_b')).toEqual([
      [1, 'failed', 'HTTP 500'],
      [2, 'succeeded', null],
    ]);
    // A recorded outcome is not overwritten by a second write of the same attempt.
    await completeAttempts(pool, 'worker_a', [answered('dlv_b', 1, 200)]);
    expect(await attemptsOf('dlv_b')).toEqual([
      [1, 'failed', 'HTTP 500'],
      [2, 'succeeded', null],
    ]);
  });

  it('leases freed at shutdown put their unanswered attempts on record as unknown', async () => {
    await delivery('dlv_c');
    await claimDeliveries(pool, { ...claim, owner: 'worker_c' });
    expect(await releaseLeases(pool, 'worker_c')).toBe(1);
    expect(await attemptsOf('dlv_c')).toEqual([[1, 'unknown', abandonedAttemptError]]);
    const [again] = await claimDeliveries(pool, { ...claim, owner: 'worker_d' });
    expect(again).toMatchObject({ id: 'dlv_c', timesAttempted: 2, tookOver: false });
  });

  it('an attempt left sending by a streamer from before attempts were written once becomes unknown when the delivery is taken', async () => {
    await delivery('dlv_d');
    await claimDeliveries(pool, { ...claim, owner: 'worker_old' });
    await pool.query(`insert into delivery_attempts (delivery_id, attempt, attempted_at, outcome) values ('dlv_d', 1, now(), 'sending')`);
    await expireLease('dlv_d');
    await claimDeliveries(pool, { ...claim, owner: 'worker_new' });
    expect(await attemptsOf('dlv_d')).toEqual([
      [1, 'unknown', abandonedAttemptError],
      [2, 'sending', null],
    ]);
  });
});
