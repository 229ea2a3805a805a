import { describe, expect, it } from 'vitest';
import { parseConsumerPerformance } from '../../../bench/kafka-clients/java.js';

describe('parseConsumerPerformance', () => {
  it('reads the records and the fetch time from its figures line', () => {
    const line =
      '2026-12-06 02:00:01:123, 2026-12-06 02:00:04:456, 190.7349, 57.2263, 200000, 60006.0006, 3012, 321, 594.1897, 623052.9595';
    expect(parseConsumerPerformance(line)).toEqual({ records: 200_000, fetchMs: 321 });
  });

  it('ignores any other line', () => {
    expect(parseConsumerPerformance('start.time, end.time, data.consumed.in.MB')).toBeUndefined();
    expect(parseConsumerPerformance('WARNING: a, b, c, d, e, f, g, h, i, j')).toBeUndefined();
  });
});
