import { describe, expect, it } from 'vitest';
import { mean, nearestRank, sortedCopy, summarize } from '../../../bench/lib/percentiles.js';

describe('nearestRank', () => {
  const sorted = sortedCopy([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);

  it('picks the smallest value with at least that share at or below it', () => {
    expect(nearestRank(sorted, 0.5)).toBe(5);
    expect(nearestRank(sorted, 0.9)).toBe(9);
    expect(nearestRank(sorted, 0.91)).toBe(10);
    expect(nearestRank(sorted, 0.99)).toBe(10);
  });

  it('gives the largest value at 1 and the smallest at 0', () => {
    expect(nearestRank(sorted, 1)).toBe(10);
    expect(nearestRank(sorted, 0)).toBe(1);
  });

  it('gives 0 for no values', () => {
    expect(nearestRank(new Float64Array(0), 0.5)).toBe(0);
  });
});

describe('sortedCopy', () => {
  it('sorts numerically without touching its input', () => {
    const values = [10, 9, 100, 1];
    expect([...sortedCopy(values)]).toEqual([1, 9, 10, 100]);
    expect(values).toEqual([10, 9, 100, 1]);
  });
});

describe('mean', () => {
  it('averages the values', () => {
    expect(mean(sortedCopy([1, 2, 3, 6]))).toBe(3);
  });
});

describe('summarize', () => {
  it('gives avg, p50, p90, p99 and max in any input order', () => {
    const values = Array.from({ length: 100 }, (_, i) => 100 - i);
    expect(summarize(values)).toEqual({ avg: 50.5, p50: 50, p90: 90, p99: 99, max: 100 });
  });

  it('takes typed arrays', () => {
    expect(summarize(Float64Array.of(3, 1, 2))).toEqual({ avg: 2, p50: 2, p90: 3, p99: 3, max: 3 });
  });

  it('gives every figure as the value for one value', () => {
    expect(summarize([7.5])).toEqual({ avg: 7.5, p50: 7.5, p90: 7.5, p99: 7.5, max: 7.5 });
  });

  it('gives null for no values', () => {
    expect(summarize([])).toBeNull();
  });
});
