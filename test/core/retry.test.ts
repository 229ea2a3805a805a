import { describe, expect, it } from 'vitest';
import { nextAttempt } from '../../core/retry.js';

const schedule = { retries: 3, initialDelayMs: 100, maxDelayMs: 250 };

describe('nextAttempt', () => {
  it('backs off exponentially within [step/2, step], capped', () => {
    expect(nextAttempt(1, true, schedule, () => 0)).toEqual({ retry: true, delayMs: 50 });
    expect(nextAttempt(2, true, schedule, () => 1)).toEqual({ retry: true, delayMs: 200 });
    expect(nextAttempt(3, true, schedule, () => 1)).toEqual({ retry: true, delayMs: 250 });
  });

  it('gives up past the budget or on a failure that is not retriable', () => {
    expect(nextAttempt(4, true, schedule)).toEqual({ retry: false });
    expect(nextAttempt(1, false, schedule)).toEqual({ retry: false });
  });
});
