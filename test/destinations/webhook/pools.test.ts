import type { Pool } from 'undici';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createDestinationPools } from '../../../destinations/webhook/pools.js';

interface FakePool {
  readonly origin: string;
  readonly close: ReturnType<typeof vi.fn>;
  readonly destroy: ReturnType<typeof vi.fn>;
}

/** Pools that record how they were closed; `hang` makes a graceful close never finish, as a stuck request does. */
function fakePools(options: { hang?: boolean } = {}) {
  const made: FakePool[] = [];
  const pools = createDestinationPools({
    createPool: (origin) => {
      const pool: FakePool = {
        origin,
        close: vi.fn(() => (options.hang === true ? new Promise<void>(() => undefined) : Promise.resolve())),
        destroy: vi.fn(() => Promise.resolve()),
      };
      made.push(pool);
      return pool as unknown as Pool;
    },
    idleMs: 1_000,
    retireDeadlineMs: 5_000,
  });
  return { pools, made };
}

afterEach(() => {
  vi.useRealTimers();
});

const shape = (connectTimeoutMs: number, connections = 10) => ({ connectTimeoutMs, connections });

describe('destination pools', () => {
  it('destination pools give each destination its own pool, shared by its attempts', () => {
    const { pools, made } = fakePools();
    const first = pools.lease('dst_a', 'https://hooks.example.com', shape(15_000));
    const second = pools.lease('dst_a', 'https://hooks.example.com', shape(15_000));
    const other = pools.lease('dst_b', 'https://hooks.example.com', shape(15_000));

    expect(first.pool).toBe(second.pool);
    expect(other.pool).not.toBe(first.pool);
    expect(made).toHaveLength(2);
    expect(pools.size).toBe(2);
  });

  it('destination pools close a pool once no attempt used it for the idle period', async () => {
    vi.useFakeTimers();
    const { pools, made } = fakePools();
    const first = pools.lease('dst_a', 'https://hooks.example.com', shape(15_000));
    const second = pools.lease('dst_a', 'https://hooks.example.com', shape(15_000));
    first.done();
    await vi.advanceTimersByTimeAsync(5_000);
    expect(made[0]?.close).not.toHaveBeenCalled();

    second.done();
    await vi.advanceTimersByTimeAsync(999);
    expect(made[0]?.close).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(1);
    expect(made[0]?.close).toHaveBeenCalledOnce();
    expect(pools.size).toBe(0);
  });

  it('destination pools replace a pool when the URL, timeout or concurrency changes and close the old one', () => {
    const { pools, made } = fakePools();
    pools.lease('dst_a', 'https://old.example.com', shape(15_000)).done();
    pools.lease('dst_a', 'https://new.example.com', shape(15_000));
    pools.lease('dst_a', 'https://new.example.com', shape(5_000));
    pools.lease('dst_a', 'https://new.example.com', shape(5_000, 40));

    expect(made.map((pool) => pool.origin)).toEqual([
      'https://old.example.com',
      'https://new.example.com',
      'https://new.example.com',
      'https://new.example.com',
    ]);
    expect(made[0]?.close).toHaveBeenCalledOnce();
    expect(made[1]?.close).toHaveBeenCalledOnce();
    expect(made[2]?.close).toHaveBeenCalledOnce();
    expect(made[3]?.close).not.toHaveBeenCalled();
  });

  it('destination pools close the pool of a released destination', () => {
    const { pools, made } = fakePools();
    pools.lease('dst_a', 'https://hooks.example.com', shape(15_000)).done();
    pools.release('dst_a');
    pools.release('dst_unknown');

    expect(made[0]?.close).toHaveBeenCalledOnce();
    expect(pools.size).toBe(0);
  });

  it('destination pools destroy a reset pool at once and make a new one for the next attempt', () => {
    const { pools, made } = fakePools();
    const stalled = pools.lease('dst_a', 'https://hooks.example.com', shape(15_000));
    const error = new Error('stalled');
    stalled.reset(error);
    const next = pools.lease('dst_a', 'https://hooks.example.com', shape(15_000));

    expect(made[0]?.destroy).toHaveBeenCalledWith(error);
    expect(next.pool).toBe(made[1]);
  });

  it('destination pools destroy a pool that does not close by the deadline, and lease nothing after', async () => {
    const { pools, made } = fakePools({ hang: true });
    pools.lease('dst_a', 'https://hooks.example.com', shape(15_000));
    const started = Date.now();
    await pools.close(100);

    expect(Date.now() - started).toBeLessThan(1_000);
    expect(made[0]?.close).toHaveBeenCalledOnce();
    expect(made[0]?.destroy).toHaveBeenCalledOnce();
    expect(() => pools.lease('dst_a', 'https://hooks.example.com', shape(15_000))).toThrow(/closed/);
  });
});
