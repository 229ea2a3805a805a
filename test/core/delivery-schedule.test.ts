import { describe, expect, it } from 'vitest';
import {
  defaultDeliverySchedule,
  judgeAttempt,
  maxRetryAfterMs,
  parseRetryAfter,
  scheduleSpan,
  type AttemptResult,
} from '../../core/delivery-schedule.js';

const now = Date.UTC(2026, 10, 24, 12);
const middle = () => 0.5; // no jitter
const span = scheduleSpan(defaultDeliverySchedule);
/** The attempt'th attempt of a schedule that began `elapsed` ms ago. */
const at = (attempts: number, elapsed = 0) => ({ attempts, now, startedAt: now - elapsed });

describe('judgeAttempt', () => {
  it('counts any 2xx as delivered', () => {
    for (const status of [200, 201, 202, 204, 299])
      expect(judgeAttempt({ kind: 'response', status }, at(1))).toEqual({ outcome: 'delivered' });
  });

  it('disables the destination on 410 Gone, whatever the attempt', () => {
    expect(judgeAttempt({ kind: 'response', status: 410 }, at(1))).toEqual({ outcome: 'disable' });
    expect(judgeAttempt({ kind: 'response', status: 410 }, at(8, span))).toEqual({ outcome: 'disable' });
  });

  it('retries redirects, other statuses, timeouts and connection errors on the schedule, then fails', () => {
    const failures = [
      { kind: 'response', status: 301 },
      { kind: 'response', status: 302 },
      { kind: 'response', status: 400 },
      { kind: 'response', status: 500 },
      { kind: 'timeout' },
      { kind: 'error', code: 'ECONNREFUSED' },
    ] as const;
    for (const failure of failures) {
      let elapsed = 0;
      for (let attempts = 1; attempts < defaultDeliverySchedule.length; attempts++) {
        elapsed += defaultDeliverySchedule[attempts - 1] as number;
        expect(judgeAttempt(failure, at(attempts, elapsed), defaultDeliverySchedule, middle)).toEqual({
          outcome: 'retry',
          at: now + (defaultDeliverySchedule[attempts] as number),
        });
      }
      expect(judgeAttempt(failure, at(defaultDeliverySchedule.length, span))).toEqual({ outcome: 'failed' });
    }
  });

  it('spends about 28 hours by default before a delivery fails for good', () => {
    expect(span).toBe(99_305_000);
  });

  it('jitters each delay by at most 20 % either way', () => {
    const delay = (random: number) => {
      const verdict = judgeAttempt({ kind: 'timeout' }, at(2), defaultDeliverySchedule, () => random);
      return verdict.outcome === 'retry' ? verdict.at - now : Number.NaN;
    };
    expect(delay(0)).toBe(240_000);
    expect(delay(0.9999999)).toBeCloseTo(360_000, -1);
    expect(delay(0.5)).toBe(300_000);
  });

  it('takes Retry-After on 429 and 503 as a floor on the next delay, capped', () => {
    const busy = (retryAfter: string, status = 503): AttemptResult => ({ kind: 'response', status, retryAfter });
    // Longer than the schedule's next delay (5 s): the receiver's wish wins.
    expect(judgeAttempt(busy('120', 429), at(1), defaultDeliverySchedule, middle)).toEqual({ outcome: 'retry', at: now + 120_000 });
    expect(judgeAttempt(busy(new Date(now + 60_000).toUTCString()), at(1), defaultDeliverySchedule, middle)).toEqual({
      outcome: 'retry',
      at: now + 60_000,
    });
    expect(judgeAttempt(busy('999999', 429), at(1), defaultDeliverySchedule, middle)).toEqual({
      outcome: 'retry',
      at: now + maxRetryAfterMs,
    });
    // Shorter than the schedule's next delay: the schedule wins, so a short Retry-After cannot spend the budget.
    expect(judgeAttempt(busy('2'), at(2, 5_000), defaultDeliverySchedule, middle)).toEqual({ outcome: 'retry', at: now + 300_000 });
    expect(judgeAttempt({ kind: 'response', status: 503 }, at(1), defaultDeliverySchedule, middle)).toEqual({
      outcome: 'retry',
      at: now + 5_000,
    });
    // Retry-After on another status is not a promise to keep.
    expect(judgeAttempt(busy('120', 500), at(1), defaultDeliverySchedule, middle)).toEqual({ outcome: 'retry', at: now + 5_000 });
  });

  it('never makes the last attempt before the schedule has run its whole span since the first', () => {
    const last = defaultDeliverySchedule.length - 1;
    const planned = span - (defaultDeliverySchedule[last] as number);
    // On time: the last delay as planned.
    expect(judgeAttempt({ kind: 'timeout' }, at(last, planned), defaultDeliverySchedule, middle)).toEqual({
      outcome: 'retry',
      at: now + (defaultDeliverySchedule[last] as number),
    });
    // An hour early (jitter, or a worker that died mid-attempt and used one up): moved to the span's end.
    expect(judgeAttempt({ kind: 'timeout' }, at(last, planned - 3_600_000), defaultDeliverySchedule, middle)).toEqual({
      outcome: 'retry',
      at: now + (defaultDeliverySchedule[last] as number) + 3_600_000,
    });
    // Jitter that makes the last delay short still ends at the span.
    expect(judgeAttempt({ kind: 'timeout' }, at(last, planned), defaultDeliverySchedule, () => 0)).toEqual({
      outcome: 'retry',
      at: now + (defaultDeliverySchedule[last] as number),
    });
    // A Retry-After past the span's end is honoured.
    expect(
      judgeAttempt({ kind: 'response', status: 429, retryAfter: '86400' }, at(last, planned), defaultDeliverySchedule, middle),
    ).toEqual({
      outcome: 'retry',
      at: now + 86_400_000,
    });
    // Every attempt used: failed, whatever Retry-After says.
    expect(judgeAttempt({ kind: 'response', status: 429, retryAfter: '1' }, at(last + 1, span))).toEqual({ outcome: 'failed' });
  });

  it('a receiver answering 503 with Retry-After: 2 gets the whole schedule, not eight attempts in seconds', () => {
    let elapsed = 0;
    let attempts = 0;
    for (;;) {
      attempts++;
      const verdict = judgeAttempt(
        { kind: 'response', status: 503, retryAfter: '2' },
        at(attempts, elapsed),
        defaultDeliverySchedule,
        () => 0,
      );
      if (verdict.outcome !== 'retry') break;
      elapsed += verdict.at - now;
    }
    expect(attempts).toBe(defaultDeliverySchedule.length);
    expect(elapsed).toBeGreaterThanOrEqual(span);
  });

  it('follows a schedule of the deployment or destination', () => {
    const schedule = [0, 1_000];
    expect(judgeAttempt({ kind: 'timeout' }, at(1), schedule, middle)).toEqual({ outcome: 'retry', at: now + 1_000 });
    expect(judgeAttempt({ kind: 'timeout' }, at(2, 1_000), schedule, middle)).toEqual({ outcome: 'failed' });
  });
});
describe('parseRetryAfter', () => {
  it('reads delta-seconds and HTTP dates, and ignores what it cannot read', () => {
    expect(parseRetryAfter('0', now)).toBe(0);
    expect(parseRetryAfter(' 30 ', now)).toBe(30_000);
    expect(parseRetryAfter('Tue, 24 Nov 2026 12:00:10 GMT', now)).toBe(10_000);
    expect(parseRetryAfter('Tue, 24 Nov 2026 11:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter('-5', now)).toBeUndefined();
    expect(parseRetryAfter('1.5', now)).toBeUndefined();
  });
});
