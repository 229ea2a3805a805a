import { describe, expect, it } from 'vitest';
import { pace } from '../../../producers/demo/pacer.js';

describe('demo pacer', () => {
  it('spreads events evenly over time at the rate asked', async () => {
    const times: number[] = [];
    const started = performance.now();
    const emitted = await pace({
      ratePerSecond: 100,
      signal: new AbortController().signal,
      done: () => times.length >= 50,
      emit: () => {
        times.push(performance.now() - started);
        return Promise.resolve();
      },
    });
    expect(emitted).toBe(50);
    // 50 events at 100/s: the last one is due at 490 ms, and no second holds a burst.
    expect(times.at(-1)).toBeGreaterThanOrEqual(480);
    expect(times.at(-1)).toBeLessThan(1_500);
    const firstHalf = times.filter((time) => time < 245).length;
    expect(firstHalf).toBeGreaterThan(15);
    expect(firstHalf).toBeLessThan(35);
  });

  it('stops waiting at once when the signal aborts', async () => {
    const stop = new AbortController();
    let emitted = 0;
    setTimeout(() => stop.abort(), 100);
    const started = performance.now();
    await pace({
      ratePerSecond: 0.5,
      signal: stop.signal,
      done: () => false,
      emit: () => {
        emitted++;
        return Promise.resolve();
      },
    });
    expect(emitted).toBe(1);
    expect(performance.now() - started).toBeLessThan(1_000);
  });

  it('skips a backlog instead of bursting after falling behind', async () => {
    let now = 0;
    const emits: number[] = [];
    await pace({
      ratePerSecond: 10,
      signal: new AbortController().signal,
      clock: () => now,
      done: () => emits.length >= 4,
      emit: () => {
        emits.push(now);
        // The second event blocks for 5 s: 50 events' worth.
        now += emits.length === 2 ? 5_000 : 100;
        return Promise.resolve();
      },
    });
    expect(emits).toEqual([0, 100, 5_100, 5_200]);
  });
});
