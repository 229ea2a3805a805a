/** Latency figures in ms: the mean, nearest-rank percentiles and the largest. */
export interface LatencySummary {
  readonly avg: number;
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly max: number;
}

/** An ascending copy. */
export function sortedCopy(values: ArrayLike<number>): Float64Array {
  return Float64Array.from(values).sort();
}

/**
 * The nearest-rank percentile `p` (0–1) of ascending `sorted`: the smallest value with at least
 * that share of the values at or below it (so `p = 1` is the largest); 0 when there are none.
 */
export function nearestRank(sorted: Float64Array, p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))] ?? 0;
}

/** The mean of ascending `sorted`, summed smallest first. */
export function mean(sorted: Float64Array): number {
  let sum = 0;
  for (const value of sorted) sum += value;
  return sum / sorted.length;
}

/** avg, p50, p90, p99 and max of `values`; null when there are none. */
export function summarize(values: ArrayLike<number>): LatencySummary | null {
  if (values.length === 0) return null;
  const sorted = sortedCopy(values);
  return {
    avg: mean(sorted),
    p50: nearestRank(sorted, 0.5),
    p90: nearestRank(sorted, 0.9),
    p99: nearestRank(sorted, 0.99),
    max: nearestRank(sorted, 1),
  };
}
