/**
 * Retry decisions, kept pure: exponential backoff with "equal jitter": the delay is drawn from
 * [c/2, c] where c = min(cap, base · 2^(attempt-1)), so it always waits at least half the step yet
 * many clients failing at once do not retry in step (kafkajs's retrier randomises the same way).
 */
export interface RetrySchedule {
  /** Attempts after the first. */
  readonly retries: number;
  /** The first delay's upper bound, in ms. */
  readonly initialDelayMs: number;
  /** No delay exceeds this, in ms. */
  readonly maxDelayMs: number;
}

export type RetryDecision = { retry: true; delayMs: number } | { retry: false };

/** `attempt` counts the attempts already made (1 after the first failure). */
export function nextAttempt(
  attempt: number,
  retriable: boolean,
  schedule: RetrySchedule,
  random: () => number = Math.random,
): RetryDecision {
  if (!retriable || attempt > schedule.retries) return { retry: false };
  const ceiling = Math.min(schedule.maxDelayMs, schedule.initialDelayMs * 2 ** (attempt - 1));
  return { retry: true, delayMs: Math.round(ceiling / 2 + (random() * ceiling) / 2) };
}
