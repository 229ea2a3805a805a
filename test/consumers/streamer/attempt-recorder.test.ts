import type pg from 'pg';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../../adapters/logger.js';
import { createAttemptRecorder } from '../../../consumers/streamer/attempt-recorder.js';
import type { CompletedAttempt } from '../../../store/complete-attempt.js';

const logger = createLogger('silent', { service: 'test' });

const attemptOf = (id: string): CompletedAttempt => ({
  startedAt: new Date(),
  durationMs: 12,
  statusCode: 200,
  error: null,
  responseBody: 'ok',
  deliveries: [{ id, attempt: 1, batchId: null, status: 'delivered', nextAttemptAt: null }],
});

/** A pool whose first `failures` queries fail as an unreachable server does; it records the ids of each write. */
function flakyPool(failures: number) {
  const writes: string[][] = [];
  let calls = 0;
  const pool = {
    query: (_sql: string, params: unknown[]) => {
      calls++;
      if (calls <= failures)
        return Promise.reject(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' }));
      const ids = params[1] as string[];
      writes.push(ids);
      return Promise.resolve({ rows: ids.map((id) => ({ id })) });
    },
  };
  return { pool: pool as unknown as pg.Pool, writes, calls: () => calls };
}

describe('attempt recorder', () => {
  it('keeps an outcome the database refused and writes it once the database answers, with what came meanwhile', async () => {
    const { pool, writes, calls } = flakyPool(3);
    let retries = 0;
    const recorder = createAttemptRecorder({ pool, owner: 'w1', logger, lingerMs: 1, onWriteFailed: () => retries++ });
    const first = recorder.record(attemptOf('dlv_a'));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(recorder.failing).toBe(true);
    const second = recorder.record(attemptOf('dlv_b'));
    expect(await first).toEqual(new Set(['dlv_a', 'dlv_b']));
    expect(await second).toEqual(new Set(['dlv_a', 'dlv_b']));
    expect(calls()).toBe(4);
    expect(retries).toBe(3);
    expect(writes).toEqual([['dlv_a', 'dlv_b']]);
    expect(recorder.failing).toBe(false);
    expect(recorder.waiting).toBe(0);
  });

  it('gives up only when told to, rejecting what waits and what comes after', async () => {
    const { pool } = flakyPool(Number.POSITIVE_INFINITY);
    const recorder = createAttemptRecorder({ pool, owner: 'w1', logger, lingerMs: 1 });
    const waiting = recorder.record(attemptOf('dlv_a'));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(recorder.waiting).toBe(1);
    recorder.abandon(new Error('stopping'));
    await expect(waiting).rejects.toThrow('stopping');
    await expect(recorder.record(attemptOf('dlv_b'))).rejects.toThrow('stopping');
  });
});
