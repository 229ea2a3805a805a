import type { ChildProcess } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMaterializer, type Materializer } from '../../consumers/materializer/index.js';
import { createTestKey } from '../harness/api.js';
import { spawnEvp } from '../harness/evp-process.js';
import { useTestContext } from '../harness/index.js';
import { materializerOptions, prepareEntities, waitFor } from '../harness/materializer.js';
import { freePort } from '../harness/ports.js';
import { sampleData } from '../harness/samples.js';

/**
 * HTTP ingest's promise under a crash: `evp api` SIGKILLed while batches with an Idempotency-Key
 * are being published, then started again. Every request retried with its key until it is
 * answered ends up with one set of event ids, and the store holds exactly those events, each once.
 */
const ctx = useTestContext('api_ingest_crash');
const org = 'org_ingest_crash';
const batches = 24;
const perBatch = 200;
let schema: string;
let pool: Awaited<ReturnType<typeof ctx.createTestDatabase>>['pool'];
let materializer: Materializer | undefined;
let api: ChildProcess | undefined;
let key: string;
let port: number;

beforeAll(async () => {
  ({ pool, schema } = await ctx.createTestDatabase());
  await prepareEntities(ctx, ['customer'], 3);
  // Migrates the schema the API serves, and stores what the API publishes.
  materializer = await startMaterializer(materializerOptions(ctx, schema, { lingerMs: 20 }));
  key = await createTestKey(pool, org, ['events:write']);
  port = await freePort();
});

afterAll(async () => {
  api?.kill('SIGKILL');
  await materializer?.stop();
});

/** `evp api` as a process of its own, on `port`, until it answers /healthz. */
async function startApiProcess(): Promise<ChildProcess> {
  const child = spawnEvp(ctx, 'api', { port, env: { DATABASE_SCHEMA: schema, API_RATE_LIMIT: '0' } });
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`evp api exited with ${child.exitCode}`);
    const healthy = await fetch(`http://127.0.0.1:${port}/healthz`).then(
      (response) => response.ok,
      () => false,
    );
    if (healthy) return child;
    if (Date.now() > deadline) throw new Error('evp api did not answer /healthz in 60 s');
    await sleep(200);
  }
}

interface Receipt {
  readonly data?: readonly { readonly id: string; readonly status?: string }[];
  readonly error?: { readonly code: string };
}

function batchBody(batch: number): string {
  const events = Array.from({ length: perBatch }, (_, i) => {
    const id = `cus_crash_${batch}_${i}`;
    return { type: 'customer.created', data: { ...sampleData('customer', id), id, organization_id: org } };
  });
  return JSON.stringify({ events });
}

// Made once: a retry sends the very same request (sample data holds the time it was made).
const bodies = Array.from({ length: batches }, (_, batch) => batchBody(batch));

async function post(batch: number): Promise<{ status: number; replayed: boolean; body: Receipt }> {
  const response = await fetch(`http://127.0.0.1:${port}/api/v1/events/batch`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', 'idempotency-key': `crash-batch-${batch}` },
    body: bodies[batch] ?? '',
  });
  return {
    status: response.status,
    replayed: response.headers.get('idempotent-replayed') === 'true',
    body: (await response.json()) as Receipt,
  };
}

describe('evp api SIGKILLed while publishing batches with an Idempotency-Key', () => {
  it('answers every retried request once, with the same event ids, and the store holds each event once', async () => {
    api = await startApiProcess();
    const answered = new Map<number, readonly string[]>();
    const beforeKill = new Set<number>();
    // Four requests at a time; the process is killed once a few batches are answered and others are in flight.
    const sending = Array.from({ length: 4 }, async (_, lane) => {
      for (let batch = lane; batch < batches; batch += 4) {
        const answer = await post(batch).catch(() => undefined);
        if (answer?.status !== 200) return; // killed: the rest are sent after the restart
        answered.set(
          batch,
          (answer.body.data ?? []).map((item) => item.id),
        );
        beforeKill.add(batch);
      }
    });
    // Killed once two batches are answered and a request holds its key mid-publish.
    const heldKeys = async () =>
      (
        await pool.query<{ n: number }>(
          'select count(*)::int as n from ingest_requests where organization_id = $1 and response is null and locked_until > now()',
          [org],
        )
      ).rows[0]?.n ?? 0;
    await waitFor(
      async () => answered.size >= 2 && (await heldKeys()) > 0,
      (ready) => ready,
      60_000,
      'two batches answered and one mid-publish',
    );
    api.kill('SIGKILL');
    await Promise.all(sending);
    expect(beforeKill.size).toBeLessThan(batches);
    // Keys the killed process held mid-publish: their retries wait for the lock to run out.
    const held = await heldKeys();
    expect(held, 'no request was mid-publish when the process was killed').toBeGreaterThan(0);

    api = await startApiProcess();
    // Every batch, answered or not, is sent again with its key until it is answered 200.
    const inFlightAnswers: number[] = [];
    for (let batch = 0; batch < batches; batch++) {
      const deadline = Date.now() + 60_000;
      for (;;) {
        const answer = await post(batch);
        if (answer.status === 200) {
          const ids = (answer.body.data ?? []).map((item) => item.id);
          if (beforeKill.has(batch)) {
            // Answered before the kill: the retry gets that answer back and publishes nothing.
            expect(answer.replayed).toBe(true);
            expect(ids).toEqual(answered.get(batch));
          }
          answered.set(batch, ids);
          break;
        }
        // A key the killed process held is in flight until its lock runs out (10 s without renewal).
        expect([answer.status, answer.body.error?.code]).toEqual([409, 'idempotency_key_in_flight']);
        inFlightAnswers.push(batch);
        if (Date.now() > deadline) throw new Error(`batch ${batch} was still in flight after 60 s`);
        await sleep(500);
      }
    }

    process.stderr.write(
      `ingest crash: ${beforeKill.size} batches answered before the kill, ${held} keys held by the killed process, ${new Set(inFlightAnswers).size} retried past 409 idempotency_key_in_flight\n`,
    );
    const ids = [...answered.values()].flat();
    expect(ids).toHaveLength(batches * perBatch);
    expect(new Set(ids).size).toBe(ids.length);
    await waitFor(
      async () =>
        (await pool.query<{ n: number }>('select count(*)::int as n from events where organization_id = $1', [org])).rows[0]?.n ?? 0,
      (n) => n >= ids.length,
      60_000,
      `${ids.length} events stored`,
    );
    const { rows } = await pool.query<{ id: string }>('select id from events where organization_id = $1', [org]);
    expect(rows.map((row) => row.id).sort()).toEqual([...ids].sort());
    // Each customer was applied once: an event Kafka holds twice (sent before the kill and again
    // after it) is stored once and moves its entity once.
    const entities = await pool.query<{ n: number; once: number }>(
      "select count(*)::int as n, (count(*) filter (where version = 1))::int as once from entities where organization_id = $1 and entity_type = 'customer'",
      [org],
    );
    expect(entities.rows[0]).toEqual({ n: batches * perBatch, once: batches * perBatch });
  }, 240_000);
});
