import type pg from 'pg';
import type { Logger } from '../../adapters/logger.js';
import { completeAttempts, type CompletedAttempt } from './sql/complete-attempt.js';

export interface AttemptRecorder {
  /** Records the attempt with others that finish about now; resolves with the ids it settled. */
  record(attempt: CompletedAttempt): Promise<Set<string>>;
}

interface Waiting {
  readonly attempt: CompletedAttempt;
  readonly resolve: (recorded: Set<string>) => void;
  readonly reject: (error: unknown) => void;
}

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
}): AttemptRecorder {
  const maxBatch = options.maxBatch ?? 500;
  const lingerMs = options.lingerMs ?? 2;
  let queue: Waiting[] = [];
  let writing = false;
  let timer: NodeJS.Timeout | undefined;

  const write = async (): Promise<void> => {
    clearTimeout(timer);
    timer = undefined;
    if (writing || queue.length === 0) return;
    writing = true;
    const group = queue.slice(0, maxBatch);
    queue = queue.slice(group.length);
    try {
      const recorded = await completeAttempts(
        options.pool,
        options.owner,
        group.map((waiting) => waiting.attempt),
      );
      for (const waiting of group) waiting.resolve(recorded);
    } catch (error) {
      for (const waiting of group) waiting.reject(error);
    } finally {
      writing = false;
      if (queue.length > 0) void write();
    }
  };

  return {
    record(attempt) {
      return new Promise((resolve, reject) => {
        queue.push({ attempt, resolve, reject });
        if (queue.length >= maxBatch) void write();
        else timer ??= setTimeout(() => void write(), lingerMs);
      });
    },
  };
}
