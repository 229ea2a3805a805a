import { setTimeout as sleep } from 'node:timers/promises';
import { PublishError, coerceError, publishErrorCodes } from '../adapters/errors.js';

/**
 * The publisher's bounded buffer. Records wait here until a batch is full or `lingerMs` passes,
 * then go out in one request; one request is in flight at a time, so records leave in the order
 * they came (with the idempotent producer, retries keep that order too). The bytes held, waiting
 * or in flight, never pass `maxBytes`: a publish beyond it waits for room, and gives up after
 * `timeoutMs`.
 */
export interface BufferedRecord {
  readonly topic: string;
  readonly partition: number;
  readonly key: Buffer;
  readonly value: Buffer;
  readonly headers: Record<string, string>;
  readonly timestamp: string;
  readonly size: number;
}

/** Sends one batch; returns the offset of each record, in the order given. */
export type SendBatch = (records: readonly BufferedRecord[]) => Promise<string[]>;

export interface SendBufferOptions {
  readonly send: SendBatch;
  readonly lingerMs: number;
  readonly batchMaxEvents: number;
  readonly batchMaxBytes: number;
  readonly maxBytes: number;
  readonly timeoutMs: number;
}

interface Pending {
  readonly record: BufferedRecord;
  readonly resolve: (offset: string) => void;
  readonly reject: (error: Error) => void;
}

export interface SendBuffer {
  /** Resolves with the record's offset once acknowledged. */
  add(record: BufferedRecord): Promise<string>;
  /** Sends what waits now, without lingering; resolves when all of it has settled. */
  drain(): Promise<void>;
  /** While on, records go out as they come, without lingering (flush, close). */
  hurry(on: boolean): void;
  readonly bytes: number;
}

export function createSendBuffer(options: SendBufferOptions): SendBuffer {
  const queue: Pending[] = [];
  const roomWaiters: (() => void)[] = [];
  let bytes = 0;
  let sending: Promise<void> | undefined;
  let lingerTimer: NodeJS.Timeout | undefined;
  let queuedBytes = 0;
  let hurrying = false;

  const release = (size: number) => {
    bytes -= size;
    while (roomWaiters.length > 0 && bytes < options.maxBytes) roomWaiters.shift()?.();
  };

  const takeBatch = (): Pending[] => {
    const batch: Pending[] = [];
    let batchBytes = 0;
    while (queue.length > 0 && batch.length < options.batchMaxEvents) {
      const next = queue[0] as Pending;
      if (batch.length > 0 && batchBytes + next.record.size > options.batchMaxBytes) break;
      batch.push(queue.shift() as Pending);
      batchBytes += next.record.size;
    }
    queuedBytes -= batchBytes;
    return batch;
  };

  const pump = (): Promise<void> => {
    if (!sending) {
      sending = (async () => {
        while (queue.length > 0) {
          const batch = takeBatch();
          try {
            const offsets = await options.send(batch.map((pending) => pending.record));
            batch.forEach((pending, index) => pending.resolve(offsets[index] as string));
          } catch (thrown) {
            const cause = coerceError(thrown);
            const error = new PublishError(
              publishErrorCodes.notAcknowledged,
              `Kafka did not acknowledge ${batch.length} event(s) after the retry budget: ${cause.message}`,
              { cause, retriable: true },
            );
            for (const pending of batch) pending.reject(error);
          } finally {
            for (const pending of batch) release(pending.record.size);
          }
        }
      })().finally(() => {
        sending = undefined;
        // A record may have arrived after the loop's last look at the queue.
        if (queue.length > 0) schedule();
      });
    }
    return sending;
  };

  const schedule = () => {
    if (hurrying || queue.length >= options.batchMaxEvents || queuedBytes >= options.batchMaxBytes) {
      clearTimeout(lingerTimer);
      lingerTimer = undefined;
      void pump();
    } else if (!lingerTimer && !sending) {
      lingerTimer = setTimeout(() => {
        lingerTimer = undefined;
        void pump();
      }, options.lingerMs);
    }
    // While a request is in flight, what arrives waits for it: the pump picks it up next.
  };

  /**
   * Takes `size` bytes of the buffer, waiting for room. The check and the taking happen in the
   * same synchronous step, so publishes started together cannot all see the same free room.
   */
  const reserve = async (size: number): Promise<void> => {
    const deadline = Date.now() + options.timeoutMs;
    // One record always fits an empty buffer, however large.
    while (bytes > 0 && bytes + size > options.maxBytes) {
      const left = deadline - Date.now();
      if (left <= 0) {
        throw new PublishError(
          publishErrorCodes.bufferFull,
          `The publish buffer held ${bytes} bytes (limit ${options.maxBytes}) for ${options.timeoutMs} ms: Kafka is not keeping up; slow down or raise bufferMaxBytes`,
          { retriable: true },
        );
      }
      const controller = new AbortController();
      await Promise.race([
        new Promise<void>((resolve) => roomWaiters.push(resolve)),
        sleep(left, undefined, { signal: controller.signal }).catch(() => undefined),
      ]);
      controller.abort();
    }
    bytes += size;
    queuedBytes += size;
  };

  return {
    get bytes() {
      return bytes;
    },

    async add(record) {
      await reserve(record.size);
      return new Promise<string>((resolve, reject) => {
        queue.push({ record, resolve, reject });
        schedule();
      });
    },

    hurry(on) {
      hurrying = on;
      if (on && queue.length > 0) schedule();
    },

    async drain() {
      clearTimeout(lingerTimer);
      lingerTimer = undefined;
      while (queue.length > 0 || sending) await pump();
    },
  };
}
