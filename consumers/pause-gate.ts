import type { Logger } from '../adapters/logger.js';
import { nextAttempt, type RetrySchedule } from '../core/retry.js';

/**
 * Pauses a consumer while a dependency (PostgreSQL, the registry) fails, and resumes it after a
 * growing delay: no record is skipped, because the failed batch is not resolved and is fetched
 * again after the resume. It never gives up: a consumer has nothing better to do than wait.
 * One log line when it pauses, one each retry, one when work succeeds again.
 */
export interface PauseGate {
  /** True while paused (a batch in flight should stop and leave its records unresolved). */
  readonly paused: boolean;
  /** The failure that caused the pause, while paused. */
  readonly reason: string | undefined;
  /** A retriable failure: pause (once) and schedule the resume. */
  failed(error: unknown, what: string): void;
  /** Work succeeded: forget past failures (logs the recovery after a pause). */
  succeeded(): void;
  close(): void;
}

export function createPauseGate(options: {
  readonly pause: () => void;
  readonly resume: () => void;
  readonly logger: Logger;
  readonly schedule?: RetrySchedule;
  readonly onChange?: (paused: boolean) => void;
}): PauseGate {
  // Resuming costs one fetch and one failed write while the dependency is still down; never
  // waiting more than 2 s means work resumes within about 2 s of its return.
  const schedule = options.schedule ?? { retries: Number.POSITIVE_INFINITY, initialDelayMs: 250, maxDelayMs: 2_000 };
  let attempt = 0;
  let since: number | undefined;
  let timer: NodeJS.Timeout | undefined;
  let reason: string | undefined;

  return {
    get paused() {
      return timer !== undefined;
    },
    get reason() {
      return timer === undefined ? undefined : reason;
    },
    failed(error, what) {
      if (timer !== undefined) return;
      attempt++;
      since ??= Date.now();
      reason = `${what}: ${error instanceof Error ? error.message : String(error)}`;
      const decision = nextAttempt(attempt, true, schedule);
      const delayMs = decision.retry ? decision.delayMs : schedule.maxDelayMs;
      options.logger.warn({ err: error, attempt, retryInMs: delayMs }, `${what}; consumption paused, no offset moves until it succeeds`);
      options.pause();
      options.onChange?.(true);
      timer = setTimeout(() => {
        timer = undefined;
        options.resume();
      }, delayMs);
    },
    succeeded() {
      // While paused, a batch that started before the pause may still succeed: that is no recovery.
      if (since === undefined || timer !== undefined) return;
      options.logger.info({ downForMs: Date.now() - since, attempts: attempt }, 'writes succeed again; consumption resumed');
      attempt = 0;
      since = undefined;
      reason = undefined;
      options.onChange?.(false);
    },
    close() {
      clearTimeout(timer);
      timer = undefined;
    },
  };
}
