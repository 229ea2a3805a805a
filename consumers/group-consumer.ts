import { setTimeout as sleep } from 'node:timers/promises';
import type { Admin, Consumer, EachBatchPayload, Kafka } from '../adapters/kafka/index.js';
import type pg from 'pg';
import { isConnectionError, isTransientConflict } from '../adapters/database.js';
import { connectKafka, type KafkaTarget } from '../adapters/kafka/index.js';
import { withGroupInstanceId } from '../adapters/kafka/static-membership.js';
import type { Logger } from '../adapters/logger.js';
import { nextAttempt, type RetrySchedule } from '../core/retry.js';
import { entityTopic } from '../core/topics.js';
import { abortable } from './abortable.js';
import { positionId, readPositions } from '../store/read-positions.js';

/**
 * The consumer loop the materializer and the streamer share: a kafkajs group member over the
 * entity topics whose positions live in PostgreSQL (offsets.ts). On assignment it seeks to the
 * stored positions; it restarts itself after a crash kafkajs will not retry, and resubscribes
 * when new entity topics appear (kafkajs cannot add topics to a running consumer).
 */
export interface GroupConsumer {
  /** True while a member of the group. */
  readonly consuming: boolean;
  readonly topics: readonly string[];
  pause(): void;
  resume(): void;
  seek(topic: string, partition: number, offset: string): void;
  /** Finishes the batches in flight and leaves the group. */
  stop(): Promise<void>;
}

export interface GroupConsumerOptions {
  readonly kafka: Kafka;
  readonly admin: Admin;
  readonly pool: pg.Pool;
  /** Where the consumer connects, as its client was made. */
  readonly target: KafkaTarget;
  readonly groupId: string;
  readonly topicPrefix: string;
  readonly entities: ReadonlySet<string>;
  readonly topics: readonly string[];
  readonly logger: Logger;
  readonly sessionTimeoutMs: number;
  /**
   * A stable id of this member (static membership): restarted under the same id, the process
   * gets its partitions back at once. Unique per process within the group; none: a dynamic member.
   */
  readonly groupInstanceId?: string | undefined;
  /**
   * How long a fetch at the head of the log waits for a record, in ms. A fetch returns as soon as
   * there is one: batches grow only while the previous one is being written (fetch-ahead), so
   * they are large under load and a single record when caught up.
   */
  readonly lingerMs: number;
  readonly concurrency: number;
  readonly topicRefreshMs: number;
  readonly eachBatch: (payload: EachBatchPayload) => Promise<void>;
  /**
   * Called on each (re)assignment, before the partitions are sought to their stored positions:
   * a handler that keeps records fetched ahead drops them here (the partitions are fetched again).
   */
  readonly onAssignment?: (() => void) | undefined;
}

export async function startGroupConsumer(options: GroupConsumerOptions): Promise<GroupConsumer> {
  const { kafka, admin, pool, groupId, logger } = options;
  let topics = [...options.topics];
  let consumer: Consumer | undefined;
  let consuming = false;
  let stopping = false;
  const timers: NodeJS.Timeout[] = [];

  const run = async (): Promise<void> => {
    const next = kafka.consumer({
      groupId,
      sessionTimeout: options.sessionTimeoutMs,
      heartbeatInterval: Math.max(500, Math.floor(options.sessionTimeoutMs / 10)),
      maxWaitTimeInMs: options.lingerMs,
      minBytes: 1,
      maxBytesPerPartition: 4 * 1024 * 1024,
      maxBytes: 16 * 1024 * 1024,
    });
    consumer = next; // before it joins: pausing and seeking act on this one from the first batch
    next.on(next.events.GROUP_JOIN, ({ payload }) => {
      consuming = true;
      options.onAssignment?.();
      void seekToStored(next, pool, admin, groupId, payload.memberAssignment, logger);
    });
    next.on(next.events.CRASH, ({ payload }) => {
      consuming = false;
      if ((payload.error as { type?: string }).type === 'FENCED_INSTANCE_ID') {
        // Two processes share one instance id: restarting would only fence the other one in turn.
        logger.error(
          { err: payload.error, groupInstanceId: options.groupInstanceId, groupId },
          'another process joined the group with this instance id, so this one stopped consuming; give each process its own id',
        );
        return;
      }
      if (payload.restart || stopping) return;
      logger.error({ err: payload.error }, 'the consumer stopped on an error it cannot retry; restarting it in 5 s');
      timers.push(setTimeout(() => void restart(), 5_000));
    });
    await connectKafka(options.target, next);
    await next.subscribe({ topics, fromBeginning: true });
    await withGroupInstanceId(options.groupInstanceId, () =>
      next.run({ eachBatchAutoResolve: false, partitionsConsumedConcurrently: options.concurrency, eachBatch: options.eachBatch }),
    );
    logger.info({ topics: topics.length, groupId, groupInstanceId: options.groupInstanceId ?? null }, 'consuming');
  };

  const restart = async (): Promise<void> => {
    if (stopping) return;
    await consumer?.disconnect().catch(() => undefined);
    consumer = undefined;
    await run().catch((error: unknown) => {
      logger.error({ err: error }, 'restarting the consumer failed; trying again in 5 s');
      timers.push(setTimeout(() => void restart(), 5_000));
    });
  };

  await run();

  timers.push(
    setInterval(() => {
      void listEntityTopics(admin, options.topicPrefix, options.entities)
        .then(async (found) => {
          const added = found.filter((topic) => !topics.includes(topic));
          if (added.length === 0 || stopping) return;
          logger.info({ added }, 'new entity topics; resubscribing');
          topics = found;
          await restart();
        })
        .catch((error: unknown) => logger.warn({ err: error }, 'listing topics failed'));
    }, options.topicRefreshMs),
  );

  return {
    get consuming() {
      return consuming;
    },
    get topics() {
      return topics;
    },
    pause: () => consumer?.pause(topics.map((topic) => ({ topic }))),
    resume: () => consumer?.resume(topics.map((topic) => ({ topic }))),
    seek: (topic, partition, offset) => consumer?.seek({ topic, partition, offset }),
    async stop() {
      stopping = true;
      for (const timer of timers) clearTimeout(timer);
      await consumer?.disconnect().catch((error: unknown) => logger.warn({ err: error }, 'leaving the group failed'));
      consuming = false;
    },
  };
}

/**
 * On assignment, start each partition where PostgreSQL says, and one with no stored position at
 * the log's start: Kafka's committed offsets (kept for tools) may be ahead of a store that was
 * reset or rebuilt. The in-transaction check stays the real guard: this only saves a fetch.
 */
async function seekToStored(
  consumer: Consumer,
  pool: pg.Pool,
  admin: Admin,
  groupId: string,
  assignment: Record<string, number[]>,
  logger: Logger,
): Promise<void> {
  try {
    const positions = await readPositions(pool, groupId);
    for (const [topic, partitions] of Object.entries(assignment)) {
      const missing = partitions.filter((partition) => !positions.has(positionId(topic, partition)));
      const starts = missing.length > 0 ? await admin.fetchTopicOffsets(topic) : [];
      for (const partition of partitions) {
        const offset =
          positions.get(positionId(topic, partition))?.toString() ?? starts.find((entry) => entry.partition === partition)?.low;
        if (offset !== undefined) consumer.seek({ topic, partition, offset });
      }
    }
  } catch (error) {
    logger.warn({ err: error }, 'reading stored positions on assignment failed; batches are checked against them when written');
  }
}

export async function listEntityTopics(admin: Admin, prefix: string, entities: ReadonlySet<string>): Promise<string[]> {
  const existing = new Set(await admin.listTopics());
  return [...entities]
    .map((entity) => entityTopic(prefix, entity))
    .filter((topic) => existing.has(topic))
    .sort();
}

/** The entity topics under the prefix, waiting until at least one exists or `signal` aborts the wait. */
export async function untilTopics(
  admin: Admin,
  prefix: string,
  entities: ReadonlySet<string>,
  logger: Logger,
  signal?: AbortSignal,
): Promise<string[]> {
  for (let announced = false; ; announced = true) {
    const found = await abortable(listEntityTopics(admin, prefix, entities), signal);
    if (found.length > 0) return found;
    if (!announced) logger.info({ prefix }, 'no entity topics yet; waiting for `evp topics ensure` or a publisher');
    await sleep(2_000, undefined, { signal });
  }
}

/**
 * Waiting for a dependency to answer again: asking costs a refused connection, so asking often
 * (never more than 2 s apart) lets work resume within about 2 s of its return.
 */
export const reachableAgain: RetrySchedule = { retries: Number.POSITIVE_INFINITY, initialDelayMs: 250, maxDelayMs: 2_000 };

/**
 * Runs `work` until PostgreSQL (or whatever `what` names) answers, backing off; other errors
 * throw, and so does `signal` when aborted. An attempt under way is not abandoned: it ends within
 * the connection timeout, and its connection must be back in the pool before the pool can end.
 */
export async function untilReachable(logger: Logger, what: string, work: () => Promise<void>, signal?: AbortSignal): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    signal?.throwIfAborted();
    try {
      await work();
      return;
    } catch (error) {
      if (!isConnectionError(error)) throw error;
      const decision = nextAttempt(attempt, true, reachableAgain);
      const delayMs = decision.retry ? decision.delayMs : reachableAgain.maxDelayMs;
      logger.warn({ err: error, attempt, retryInMs: delayMs }, `${what} is unreachable; waiting for it`);
      await sleep(delayMs, undefined, { signal });
    }
  }
}

export async function logStartOffset(admin: Admin, topic: string, partition: number): Promise<bigint> {
  const offsets = await admin.fetchTopicOffsets(topic);
  const found = offsets.find((entry) => entry.partition === partition);
  return BigInt(found?.low ?? '0');
}

/** Records past the group's stored position, per partition. */
export async function lagOf(admin: Admin, pool: pg.Pool, groupId: string, topics: readonly string[]) {
  const positions = await readPositions(pool, groupId);
  const result: { topic: string; partition: number; lag: number }[] = [];
  for (const topic of topics) {
    for (const { partition, high, low } of await admin.fetchTopicOffsets(topic)) {
      const position = positions.get(positionId(topic, partition)) ?? BigInt(low);
      result.push({ topic, partition, lag: Number(BigInt(high) - position) });
    }
  }
  return result;
}

/**
 * Runs `work` on a pooled connection of its own, again at once (with a short backoff) after a
 * deadlock or serialization failure; a broken connection is dropped from the pool, not reused.
 */
export async function withRetriedClient<T>(pool: pg.Pool, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    const client = await pool.connect();
    let broken: Error | undefined;
    try {
      return await work(client);
    } catch (error) {
      if (isConnectionError(error)) broken = error as Error;
      const decision = nextAttempt(attempt, isTransientConflict(error), { retries: 5, initialDelayMs: 20, maxDelayMs: 500 });
      if (!decision.retry) throw error;
      await sleep(decision.delayMs);
    } finally {
      client.release(broken);
    }
  }
}
