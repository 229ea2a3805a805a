/**
 * What happens after a delivery attempt, decided purely: success, a retry at a time, failure for
 * good, or disabling the destination. Webhook rules follow Standard Webhooks practice:
 *
 * - 2xx is success; 3xx is a failure (redirects are not followed);
 * - 410 Gone disables the destination;
 * - 429 and 503 wait for `Retry-After` when it is given (capped), else the schedule;
 * - any other status, a timeout or a connection error retries on the schedule, then fails.
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

/**
 * `attempts` counts the attempts made, this one included. The next attempt waits the schedule's
 * next delay, ±20 % jitter so that many deliveries failing together do not retry together.
 */
export function judgeAttempt(
  result: AttemptResult,
  attempts: number,
  now: number,
  schedule: readonly number[] = defaultDeliverySchedule,
  random: () => number = Math.random,
): Verdict {
  if (result.kind === 'response') {
    if (result.status >= 200 && result.status < 300) return { outcome: 'delivered' };
    if (result.status === 410) return { outcome: 'disable' };
  }
  if (attempts >= schedule.length) return { outcome: 'failed' };
  if (result.kind === 'response' && (result.status === 429 || result.status === 503)) {
    const wait = parseRetryAfter(result.retryAfter, now);
    if (wait !== undefined) return { outcome: 'retry', at: now + Math.min(wait, maxRetryAfterMs) };
  }
  const delay = schedule[attempts] as number;
  return { outcome: 'retry', at: now + Math.round(delay * (0.8 + 0.4 * random())) };
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
