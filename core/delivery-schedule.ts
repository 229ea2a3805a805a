/**
 * What happens after a delivery attempt, decided purely: success, a retry at a time, failure for
 * good, or disabling the destination. Webhook rules follow Standard Webhooks practice:
 *
 * - 2xx is success; 3xx is a failure (redirects are not followed);
 * - 410 Gone disables the destination;
 * - 429 and 503 with `Retry-After` wait at least that long (capped): the header is a floor on the
 *   next delay, never a way to skip the schedule;
 * - any other status, a timeout or a connection error retries on the schedule.
 *
 * The retry budget is time, not squeezed by a count: the last attempt is never made before the
 * schedule's whole span (the sum of its delays, about 28 h by default) has passed since the first
 * one. Attempts that came sooner than planned (jitter, a worker that died mid-attempt and used
 * one up) move the last attempt to the span's end instead of ending the retries early.
 */

/** Delays before each attempt, in ms: immediately, 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h. */
export const defaultDeliverySchedule: readonly number[] = [0, 5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 36_000_000];

/** The longest Retry-After honoured; a longer one is cut to this. */
export const maxRetryAfterMs = 24 * 3_600_000;

export type AttemptResult =
  | { readonly kind: 'response'; readonly status: number; readonly retryAfter?: string | undefined }
  | { readonly kind: 'timeout' }
  | { readonly kind: 'error'; readonly code: string };

export type Verdict =
  | { readonly outcome: 'delivered' }
  | { readonly outcome: 'retry'; readonly at: number }
  | { readonly outcome: 'failed' }
  | { readonly outcome: 'disable' };

/** Where a delivery stands in its schedule when an attempt ends. */
export interface ScheduleProgress {
  /** Attempts made since the schedule (re)started, this one included. */
  readonly attempts: number;
  /** Now, in ms since the epoch. */
  readonly now: number;
  /** When the schedule's first attempt was made, in ms since the epoch. */
  readonly startedAt: number;
}

/** How long a schedule lasts from its first attempt to its last: the sum of its delays. */
export function scheduleSpan(schedule: readonly number[]): number {
  return schedule.reduce((sum, delay) => sum + delay, 0);
}

/**
 * The next attempt waits the schedule's next delay, ±20 % jitter so that many deliveries failing
 * together do not retry together, or the Retry-After asked, whichever is longer.
 */
export function judgeAttempt(
  result: AttemptResult,
  progress: ScheduleProgress,
  schedule: readonly number[] = defaultDeliverySchedule,
  random: () => number = Math.random,
): Verdict {
  if (result.kind === 'response') {
    if (result.status >= 200 && result.status < 300) return { outcome: 'delivered' };
    if (result.status === 410) return { outcome: 'disable' };
  }
  const { attempts, now } = progress;
  if (attempts >= schedule.length) return { outcome: 'failed' };
  const delay = Math.round((schedule[attempts] as number) * (0.8 + 0.4 * random()));
  const at = now + Math.max(delay, retryAfterOf(result, now));
  const last = attempts === schedule.length - 1;
  return { outcome: 'retry', at: last ? Math.max(at, progress.startedAt + scheduleSpan(schedule)) : at };
}

/** The wait a 429 or 503 asked for with Retry-After, capped; 0 when none was asked. */
function retryAfterOf(result: AttemptResult, now: number): number {
  if (result.kind !== 'response' || (result.status !== 429 && result.status !== 503)) return 0;
  return Math.min(parseRetryAfter(result.retryAfter, now) ?? 0, maxRetryAfterMs);
}

/** A Retry-After header as ms to wait: delta-seconds or an HTTP date; undefined when absent or unreadable. */
export function parseRetryAfter(header: string | undefined, now: number): number | undefined {
  if (header === undefined) return undefined;
  const text = header.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const date = Date.parse(text);
  if (Number.isNaN(date) || !/[a-z]/i.test(text)) return undefined;
  return Math.max(0, date - now);
}
