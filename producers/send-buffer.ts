import { setTimeout as sleep } from 'node:timers/promises';
import { PublishError, coerceError, publishErrorCodes } from '../adapters/errors.js';

/**
 * The publisher's bounded buffer. Records wait here until a batch is full or `lingerMs` passes,
 * then go out in one request. Each record belongs to a lane (by its partition); a lane has one
 * request in flight at a time, so a partition's records leave in the order they came (with the
 * idempotent producer, retries keep that order too), while the lanes send side by side. The bytes
 * held by all lanes, waiting or in flight, never pass `maxBytes`: a publish beyond it waits for
 * room, and gives up after `timeoutMs`.
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

/** Sends one batch of one lane; returns the offset of each record, in the order given. */
export type SendBatch = (records: readonly BufferedRecord[], lane: number) => Promise<string[]>;

export interface SendBufferOptions {
  readonly send: SendBatch;
  /** Lanes sending side by side. @defaultValue 1 */
  readonly lanes?: number;
  /** The lane of a record, in [0, lanes): the same for every record of a partition. @defaultValue the partition modulo lanes */
  readonly laneOf?: (record: BufferedRecord) => number;
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

interface Lane {
  readonly index: number;
  readonly queue: Pending[];
  queuedBytes: number;
  sending: Promise<void> | undefined;
  lingerTimer: NodeJS.Timeout | undefined;
}

export function createSendBuffer(options: SendBufferOptions): SendBuffer {
  const laneCount = Math.max(1, options.lanes ?? 1);
  const laneOf = options.laneOf ?? ((record: BufferedRecord) => record.partition % laneCount);
  const lanes: Lane[] = Array.from({ length: laneCount }, (_, index) => ({
    index,
    queue: [],
    queuedBytes: 0,
    sending: undefined,
    lingerTimer: undefined,
  }));
  const roomWaiters: (() => void)[] = [];
  let bytes = 0;
  let hurrying = false;

  const release = (size: number) => {
    bytes -= size;
    while (roomWaiters.length > 0 && bytes < options.maxBytes) roomWaiters.shift()?.();
  };

  const takeBatch = (lane: Lane): Pending[] => {
    const batch: Pending[] = [];
    let batchBytes = 0;
    while (lane.queue.length > 0 && batch.length < options.batchMaxEvents) {
      const next = lane.queue[0] as Pending;
      if (batch.length > 0 && batchBytes + next.record.size > options.batchMaxBytes) break;
      batch.push(lane.queue.shift() as Pending);
      batchBytes += next.record.size;
    }
    lane.queuedBytes -= batchBytes;
    return batch;
  };

  const pump = (lane: Lane): Promise<void> => {
    lane.sending ??= (async () => {
      while (lane.queue.length > 0) {
        const batch = takeBatch(lane);
        try {
          const offsets = await options.send(
            batch.map((pending) => pending.record),
            lane.index,
          );
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
      lane.sending = undefined;
      // A record may have arrived after the loop's last look at the queue.
      if (lane.queue.length > 0) schedule(lane);
    });
    return lane.sending;
  };

  const schedule = (lane: Lane) => {
    if (hurrying || lane.queue.length >= options.batchMaxEvents || lane.queuedBytes >= options.batchMaxBytes) {
      clearTimeout(lane.lingerTimer);
      lane.lingerTimer = undefined;
      void pump(lane);
    } else if (!lane.lingerTimer && !lane.sending) {
      lane.lingerTimer = setTimeout(() => {
        lane.lingerTimer = undefined;
        void pump(lane);
      }, options.lingerMs);
    }
    // While the lane's request is in flight, what arrives waits for it: the pump picks it up next.
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
  };

  return {
    get bytes() {
      return bytes;
    },

    add(record) {
      const index = laneOf(record);
      const lane = lanes[index];
      if (lane === undefined) return Promise.reject(new Error(`lane ${index} of a record is outside the buffer's ${laneCount} lanes`));
      const queued = new Promise<string>((resolve, reject) => {
        const enqueue = () => {
          lane.queuedBytes += record.size;
          lane.queue.push({ record, resolve, reject });
          schedule(lane);
        };
        // With room and nobody waiting for it, the record is queued at once, in the caller's step.
        if (roomWaiters.length === 0 && (bytes === 0 || bytes + record.size <= options.maxBytes)) {
          bytes += record.size;
          enqueue();
        } else reserve(record.size).then(enqueue, reject);
      });
      return queued;
    },

    hurry(on) {
      hurrying = on;
      if (on) for (const lane of lanes) if (lane.queue.length > 0) schedule(lane);
    },

    async drain() {
      await Promise.all(
        lanes.map(async (lane) => {
          clearTimeout(lane.lingerTimer);
          lane.lingerTimer = undefined;
          while (lane.queue.length > 0 || lane.sending) await pump(lane);
        }),
      );
    },
  };
}
