import type { Pool } from 'undici';

/** One attempt's use of a destination's pool. */
export interface PoolLease {
  readonly pool: Pool;
  /** The attempt is over; the pool closes once no attempt has used it for the idle period. */
  done(): void;
  /** Destroys the pool and its connections at once (an attempt stalled); the next attempt gets a new pool. */
  reset(error: Error): void;
}

export interface DestinationPools {
  /** The destination's pool for `origin`, made on first use. Throws once the pools are closed. */
  lease(destinationId: string, origin: string, shape: PoolShape): PoolLease;
  /** Closes a destination's pool (deleted or paused), after the attempts still on it. */
  release(destinationId: string): void;
  /** Pools open now. */
  readonly size: number;
  /** Closes every pool, letting attempts finish for up to `deadlineMs`, then destroys what is left. */
  close(deadlineMs: number): Promise<void>;
}

/** How a destination's pool is made: a change of either makes a new pool. */
export interface PoolShape {
  readonly connectTimeoutMs: number;
  readonly connections: number;
}

export interface DestinationPoolsOptions {
  readonly createPool: (origin: string, shape: PoolShape) => Pool;
  /** A pool no attempt used for this long is closed, in ms. */
  readonly idleMs: number;
  /**
   * How long a pool that was replaced or released may take to close gracefully before it is
   * destroyed, in ms. Longer than any attempt's timeout plus the stall margin.
   */
  readonly retireDeadlineMs: number;
}

interface Entry {
  readonly pool: Pool;
  readonly key: string;
  active: number;
  idle: NodeJS.Timeout | undefined;
}

/**
 * One undici pool per webhook destination, so what one destination does to its connections
 * (leaves them busy, stalls them, fills them) reaches no other destination, even on the same
 * origin. A destination whose URL, timeout or concurrency changes gets a new pool; the old one closes after
 * the attempts on it.
 */
export function createDestinationPools(options: DestinationPoolsOptions): DestinationPools {
  const entries = new Map<string, Entry>();
  const closing = new Set<Promise<void>>();
  let closed = false;

  const retire = (entry: Entry): void => {
    clearTimeout(entry.idle);
    const done = closeWithin(entry.pool, options.retireDeadlineMs).finally(() => closing.delete(done));
    closing.add(done);
  };

  const drop = (destinationId: string, entry: Entry): void => {
    if (entries.get(destinationId) === entry) entries.delete(destinationId);
  };

  return {
    lease(destinationId, origin, shape) {
      if (closed) throw Object.assign(new Error('the webhook sender is closed'), { code: 'sender_closed' });
      const key = `${origin} ${shape.connectTimeoutMs} ${shape.connections}`;
      let entry = entries.get(destinationId);
      if (entry !== undefined && entry.key !== key) {
        drop(destinationId, entry);
        retire(entry);
        entry = undefined;
      }
      if (entry === undefined) {
        entry = { pool: options.createPool(origin, shape), key, active: 0, idle: undefined };
        entries.set(destinationId, entry);
      }
      const leased = entry;
      leased.active++;
      clearTimeout(leased.idle);
      leased.idle = undefined;
      let ended = false;
      return {
        pool: leased.pool,
        done() {
          if (ended) return;
          ended = true;
          leased.active--;
          if (leased.active > 0 || entries.get(destinationId) !== leased) return;
          leased.idle = setTimeout(() => {
            if (leased.active > 0) return;
            drop(destinationId, leased);
            retire(leased);
          }, options.idleMs).unref();
        },
        reset(error) {
          ended = true;
          drop(destinationId, leased);
          clearTimeout(leased.idle);
          leased.pool.destroy(error).catch(() => undefined);
        },
      };
    },
    release(destinationId) {
      const entry = entries.get(destinationId);
      if (entry === undefined) return;
      drop(destinationId, entry);
      retire(entry);
    },
    get size() {
      return entries.size;
    },
    async close(deadlineMs) {
      closed = true;
      const open = [...entries.values()];
      entries.clear();
      for (const entry of open) clearTimeout(entry.idle);
      await Promise.all([...open.map((entry) => closeWithin(entry.pool, deadlineMs)), ...closing]);
    },
  };
}

/**
 * Closes a pool gracefully, or destroys it after `deadlineMs`. A graceful close waits for every
 * queued request, and a request undici never dispatches would make it wait for ever.
 */
async function closeWithin(pool: Pool, deadlineMs: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(true), deadlineMs).unref();
  });
  const graceful = pool.close().then(
    () => false,
    () => false,
  );
  const tooLate = await Promise.race([graceful, late]);
  clearTimeout(timer);
  if (tooLate)
    await pool
      .destroy(Object.assign(new Error('the webhook sender closed this connection'), { code: 'sender_closed' }))
      .catch(() => undefined);
}
