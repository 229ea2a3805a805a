import type pg from 'pg';
import type { Logger } from '../../adapters/logger.js';
import { nextAttempt, type RetrySchedule } from '../../core/retry.js';
import { completeAttempts, type CompletedAttempt } from '../../store/complete-attempt.js';

export interface AttemptRecorder {
  /**
   * Records the attempt with others that finish about now; resolves with the ids it settled. A
   * write that fails is tried again until it succeeds: an outcome is never only logged. It rejects
   * only after `abandon()`.
   */
  record(attempt: CompletedAttempt): Promise<Set<string>>;
  /** Outcomes waiting to be written (the database is unreachable, say). */
  readonly waiting: number;
  /** True while the last write failed and is being tried again. */
  readonly failing: boolean;
  /** Gives up on the outcomes still waiting and refuses new ones (at shutdown): their attempts show `unknown`. */
  abandon(reason: Error): void;
}

interface Waiting {
  readonly attempt: CompletedAttempt;
  readonly resolve: (recorded: Set<string>) => void;
  readonly reject: (error: unknown) => void;
}

/** Retrying a failed write: quick at first, never more than 2 s apart, so a database back is noticed at once. */
const rewrite: RetrySchedule = { retries: Number.POSITIVE_INFINITY, initialDelayMs: 100, maxDelayMs: 2_000 };

/**
 * Group commit for attempts: those that finish while a write is in flight (or within `lingerMs`)
 * are recorded by the next single statement. At hundreds of deliveries a second this turns a
 * commit (and a WAL flush) per delivery into one per group.
 */
export function createAttemptRecorder(options: {
  readonly pool: pg.Pool;
  readonly owner: string;
  readonly logger: Logger;
  readonly maxBatch?: number;
  readonly lingerMs?: number;
  /** Counts writes that failed and will be tried again. */
  readonly onWriteFailed?: () => void;
}): AttemptRecorder {
  const maxBatch = options.maxBatch ?? 500;
  const lingerMs = options.lingerMs ?? 2;
  let queue: Waiting[] = [];
  let writing = false;
  let timer: NodeJS.Timeout | undefined;
  let failures = 0;
  let lastComplaint = 0;
  let abandoned: Error | undefined;

  const write = async (): Promise<void> => {
    clearTimeout(timer);
    timer = undefined;
    if (writing || queue.length === 0) return;
    writing = true;
    const group = queue.slice(0, maxBatch);
    try {
      const recorded = await completeAttempts(
        options.pool,
        options.owner,
        group.map((waiting) => waiting.attempt),
      );
      const written = new Set(group);
      queue = queue.filter((waiting) => !written.has(waiting));
      if (failures > 0) options.logger.info({ failures }, 'attempt outcomes recorded again after failed writes');
      failures = 0;
      for (const waiting of group) waiting.resolve(recorded);
    } catch (error) {
      // The group stays at the head of the queue and is written again, with whatever joined it.
      failures++;
      options.onWriteFailed?.();
      if (Date.now() - lastComplaint > 10_000) {
        lastComplaint = Date.now();
        options.logger.warn({ err: error, waiting: queue.length }, 'recording attempt outcomes failed; trying again');
      }
      const decision = nextAttempt(failures, true, rewrite);
      timer = setTimeout(() => void write(), decision.retry ? decision.delayMs : rewrite.maxDelayMs);
      return;
    } finally {
      writing = false;
    }
    if (queue.length > 0) void write();
  };

  return {
    record(attempt) {
      return new Promise((resolve, reject) => {
        if (abandoned) return reject(abandoned);
        queue.push({ attempt, resolve, reject });
        if (failures > 0) return; // the retry timer writes it
        if (queue.length >= maxBatch) void write();
        else timer ??= setTimeout(() => void write(), lingerMs);
      });
    },
    get waiting() {
      return queue.length;
    },
    get failing() {
      return failures > 0;
    },
    abandon(reason) {
      abandoned = reason;
      clearTimeout(timer);
      timer = undefined;
      const given = queue;
      queue = [];
      for (const waiting of given) waiting.reject(reason);
    },
  };
}
