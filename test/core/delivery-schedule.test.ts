import { describe, expect, it } from 'vitest';
import { defaultDeliverySchedule, judgeAttempt, maxRetryAfterMs, parseRetryAfter } from '../../core/delivery-schedule.js';

const now = Date.UTC(2026, 10, 24, 12);
const middle = () => 0.5; // no jitter

describe('judgeAttempt', () => {
  it('counts any 2xx as delivered', () => {
    for (const status of [200, 201, 202, 204, 299])
      expect(judgeAttempt({ kind: 'response', status }, 1, now)).toEqual({ outcome: 'delivered' });
  });

  it('disables the destination on 410 Gone, whatever the attempt', () => {
    expect(judgeAttempt({ kind: 'response', status: 410 }, 1, now)).toEqual({ outcome: 'disable' });
    expect(judgeAttempt({ kind: 'response', status: 410 }, 8, now)).toEqual({ outcome: 'disable' });
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
      for (let attempts = 1; attempts < defaultDeliverySchedule.length; attempts++) {
        expect(judgeAttempt(failure, attempts, now, defaultDeliverySchedule, middle)).toEqual({
          outcome: 'retry',
          at: now + (defaultDeliverySchedule[attempts] as number),
        });
      }
      expect(judgeAttempt(failure, defaultDeliverySchedule.length, now)).toEqual({ outcome: 'failed' });
    }
  });

  it('jitters each delay by at most 20 % either way', () => {
    const at = (random: number) => {
      const verdict = judgeAttempt({ kind: 'timeout' }, 2, now, defaultDeliverySchedule, () => random);
      return verdict.outcome === 'retry' ? verdict.at - now : Number.NaN;
    };
    expect(at(0)).toBe(240_000);
    expect(at(0.9999999)).toBeCloseTo(360_000, -1);
    expect(at(0.5)).toBe(300_000);
  });

  it('honours Retry-After on 429 and 503, capped, and falls back to the schedule without it', () => {
    expect(judgeAttempt({ kind: 'response', status: 429, retryAfter: '120' }, 1, now)).toEqual({ outcome: 'retry', at: now + 120_000 });
    expect(judgeAttempt({ kind: 'response', status: 503, retryAfter: new Date(now + 60_000).toUTCString() }, 1, now)).toEqual({
      outcome: 'retry',
      at: now + 60_000,
    });
    expect(judgeAttempt({ kind: 'response', status: 429, retryAfter: '999999' }, 1, now)).toEqual({
      outcome: 'retry',
      at: now + maxRetryAfterMs,
    });
    expect(judgeAttempt({ kind: 'response', status: 503 }, 1, now, defaultDeliverySchedule, middle)).toEqual({
      outcome: 'retry',
      at: now + 5_000,
    });
    // Retry-After on another status is not a promise to keep.
    expect(judgeAttempt({ kind: 'response', status: 500, retryAfter: '120' }, 1, now, defaultDeliverySchedule, middle)).toEqual({
      outcome: 'retry',
      at: now + 5_000,
    });
    // The schedule's length still bounds the attempts.
    expect(judgeAttempt({ kind: 'response', status: 429, retryAfter: '1' }, defaultDeliverySchedule.length, now)).toEqual({
      outcome: 'failed',
    });
  });

  it('follows a schedule of the deployment or destination', () => {
    const schedule = [0, 1_000];
    expect(judgeAttempt({ kind: 'timeout' }, 1, now, schedule, middle)).toEqual({ outcome: 'retry', at: now + 1_000 });
    expect(judgeAttempt({ kind: 'timeout' }, 2, now, schedule, middle)).toEqual({ outcome: 'failed' });
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
