import { setTimeout as sleep } from 'node:timers/promises';

/**
 * A steady pacer: the n-th event goes out at start + n / rate, not in bursts of a second's worth.
 * When it falls more than a second behind (a blocked event loop, a slow broker), it forgets the
 * backlog instead of catching up in a burst. `emit` may wait (backpressure); the pace counts
 * from when each event was due.
 */
export interface PaceOptions {
  readonly ratePerSecond: number;
  /** Checked before each event; true ends the pacing. */
  readonly done: () => boolean;
  /** Sends one event; may wait for room. */
  readonly emit: () => Promise<void>;
  /** Ends a wait between events at once. */
  readonly signal: AbortSignal;
  /** @defaultValue performance.now */
  readonly clock?: () => number;
}

/** Resolves with the number of events emitted once `done()` or the signal says so. */
export async function pace(options: PaceOptions): Promise<number> {
  const clock = options.clock ?? (() => performance.now());
  const interval = 1000 / options.ratePerSecond;
  const burst = Math.max(1, Math.ceil(options.ratePerSecond));
  const stopped = () => options.signal.aborted || options.done();
  let base = clock();
  let emitted = 0;
  while (!stopped()) {
    const now = clock();
    let due = Math.floor((now - base) / interval) + 1 - emitted;
    if (due > burst) {
      base = now - emitted * interval;
      due = 1;
    }
    for (; due > 0 && !stopped(); due--) {
      await options.emit();
      emitted++;
    }
    const wait = base + emitted * interval - clock();
    if (wait > 0 && !stopped()) await sleep(wait, undefined, { signal: options.signal }).catch(() => undefined);
  }
  return emitted;
}
