import { describe, expect, it } from 'vitest';
import { batchCount, batchRange, runOnLanes } from '../../../bench/lib/batches.js';

describe('batchRange', () => {
  it('batchRange cuts the last batch short when the total is not a multiple of the size', () => {
    expect(batchCount(250, 100)).toBe(3);
    expect(batchRange(0, 100, 250)).toEqual({ start: 0, end: 100 });
    expect(batchRange(2, 100, 250)).toEqual({ start: 200, end: 250 });
  });
});

describe('runOnLanes', () => {
  it('runOnLanes runs every index once with at most as many jobs in flight as lanes', async () => {
    const seen: number[] = [];
    let inFlight = 0;
    let most = 0;
    await runOnLanes(25, 4, async (index) => {
      inFlight++;
      most = Math.max(most, inFlight);
      await new Promise((resolve) => setTimeout(resolve, index % 3));
      seen.push(index);
      inFlight--;
    });
    expect(seen.sort((a, b) => a - b)).toEqual(Array.from({ length: 25 }, (_, i) => i));
    expect(most).toBe(4);
  });

  it('runOnLanes starts nothing after the first failure and rejects with it', async () => {
    const started: number[] = [];
    const run = runOnLanes(100, 2, async (index) => {
      started.push(index);
      await Promise.resolve();
      if (index === 3) throw new Error('refused');
    });
    await expect(run).rejects.toThrow('refused');
    expect(Math.max(...started)).toBeLessThanOrEqual(4);
  });
});
