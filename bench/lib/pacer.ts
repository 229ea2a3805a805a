import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';

/** Calls due `elapsedMs` after the start at `rate` per second: call k is due at k / rate s, the first at once. */
export function dueCalls(elapsedMs: number, rate: number, scheduled: number): number {
  if (elapsedMs < 0) return 0;
  return Math.min(scheduled, Math.floor((elapsedMs / 1000) * rate) + 1);
}

export interface Paced {
  /** rate × seconds. */
  readonly scheduled: number;
  readonly sent: number;
  readonly acknowledged: number;
  readonly failed: number;
  readonly firstError: string | null;
  /** performance.now() of the first call and of the last acknowledgement. */
  readonly startedAt: number;
  readonly endedAt: number;
}

/**
 * Calls `call(i)` at `rate` per second for `seconds`, at most `window` unresolved: whenever the
 * pacer wakes it makes every call due, so a busy event loop makes bursts rather than a lower
 * rate. What is still unsent when the time is up is not sent. `onAck` gets each result.
 */
export async function paceCalls<R>(
  rate: number,
  seconds: number,
  window: number,
  call: (index: number) => Promise<R>,
  onAck: (result: R) => void,
): Promise<Paced> {
  const scheduled = Math.round(rate * seconds);
  const startedAt = performance.now();
  const endAt = startedAt + seconds * 1000;
  let sent = 0;
  let acknowledged = 0;
  let failed = 0;
  let firstError: string | null = null;
  let pending = 0;
  let endedAt = startedAt;
  let wake: (() => void) | undefined;
  const settled = () => {
    pending--;
    endedAt = performance.now();
    const resume = wake;
    wake = undefined;
    resume?.();
  };
  while (sent < scheduled && performance.now() < endAt) {
    const due = dueCalls(performance.now() - startedAt, rate, scheduled);
    while (sent < due && pending < window) {
      pending++;
      call(sent++).then(
        (result) => {
          acknowledged++;
          onAck(result);
          settled();
        },
        (error: unknown) => {
          failed++;
          firstError ??= error instanceof Error ? error.message : String(error);
          settled();
        },
      );
    }
    if (sent < due) await new Promise<void>((resolve) => (wake = resolve));
    else await sleep(Math.max(0, startedAt + (sent / rate) * 1000 - performance.now()));
  }
  while (pending > 0) await new Promise<void>((resolve) => (wake = resolve));
  return { scheduled, sent, acknowledged, failed, firstError, startedAt, endedAt };
}
