import { describe, expect, it } from 'vitest';
import { dueCalls, paceCalls } from '../../../bench/lib/pacer.js';

describe('dueCalls', () => {
  it('makes the first call due at once and one more every 1 / rate seconds', () => {
    expect(dueCalls(0, 10, 100)).toBe(1);
    expect(dueCalls(99, 10, 100)).toBe(1);
    expect(dueCalls(100, 10, 100)).toBe(2);
    expect(dueCalls(1_000, 1_000, 5_000)).toBe(1_001);
  });

  it('never makes more due than were scheduled, nor any before the start', () => {
    expect(dueCalls(60_000, 10, 50)).toBe(50);
    expect(dueCalls(-5, 10, 50)).toBe(0);
  });

  it('spreads a fractional rate', () => {
    expect(dueCalls(1_999, 0.5, 10)).toBe(1);
    expect(dueCalls(2_000, 0.5, 10)).toBe(2);
  });
});

describe('paceCalls', () => {
  it('calls rate × seconds times, in order, and reports each acknowledgement', async () => {
    const called: number[] = [];
    const acked: number[] = [];
    const paced = await paceCalls(
      200,
      0.1,
      5,
      (index) => {
        called.push(index);
        return Promise.resolve(index);
      },
      (result) => acked.push(result),
    );
    expect(paced).toMatchObject({ scheduled: 20, sent: 20, acknowledged: 20, failed: 0, firstError: null });
    expect(called).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect(acked.sort((a, b) => a - b)).toEqual(called);
    expect(paced.endedAt).toBeGreaterThanOrEqual(paced.startedAt);
  });

  it('counts failures and keeps the first error', async () => {
    const paced = await paceCalls(
      1_000,
      0.01,
      2,
      (index) => (index % 2 === 0 ? Promise.reject(new Error(`refused ${index}`)) : Promise.resolve(index)),
      () => undefined,
    );
    expect(paced.scheduled).toBe(10);
    expect(paced.failed + paced.acknowledged).toBe(paced.sent);
    expect(paced.failed).toBeGreaterThan(0);
    expect(paced.firstError).toBe('refused 0');
  });
});
