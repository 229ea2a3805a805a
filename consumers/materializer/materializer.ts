import { performance } from 'node:perf_hooks';
import {
  Partitioners,
  renewingProducer,
  type Admin,
  type EachBatchPayload,
  type KafkaMessage,
  type RenewingProducer,
} from '../../adapters/kafka/index.js';
import type pg from 'pg';
import { isConnectionError } from '../../adapters/database.js';
import { RegistryError } from '../../adapters/errors.js';
import type { Logger } from '../../adapters/logger.js';
import { startOpsServer, type OpsServer } from '../../adapters/ops-server.js';
import { envelopeProblems } from '../../core/event-envelope.js';
import { deadLetterTopic } from '../../core/topics.js';
import { createPartitionManager, dayOf, retentionCutoffDay, type PartitionManager } from '../../store/event-partitions.js';
import { resetPositions } from '../../store/reset-positions.js';
import { abortable } from '../abortable.js';
import { consumerHealth, openConsumerService } from '../consumer-service.js';
import type { EventDecoder } from '../event-decoder.js';
import { logStartOffset, untilReachable, withRetriedClient, type GroupConsumer } from '../group-consumer.js';
import type { PauseGate } from '../pause-gate.js';
import { deadLetterHeaders, ensureDeadLetterTopic } from './dead-letters.js';
import { createMaterializerMetrics, type MaterializerMetrics } from './metrics.js';
import { materializerDefaults, type MaterializerOptions } from './options.js';
import { deadLetter, toEventRow, type DeadLetterCode, type RawRecord } from './records.js';
import { writeBatch, type BatchItem } from './store.js';

export interface Materializer {
  /** The port of `/healthz` and `/metrics`. */
  readonly port: number;
  /** Finishes the batches in flight, commits them, leaves the group and closes every connection. */
  stop(): Promise<void>;
}

/**
 * Starts `evp materializer`: applies migrations, then consumes every entity topic under the prefix
 * and writes each event exactly once into PostgreSQL (see store.ts for the transaction).
 */
export async function startMaterializer(options: MaterializerOptions): Promise<Materializer> {
  const settings = { ...materializerDefaults, ...options };
  const { logger, topicPrefix, groupId, signal } = settings;
  const service = openConsumerService('materializer', settings, settings.concurrency + 2);
  const { pool, kafka, admin, decoder } = service;
  // Dead letters: a producer that starts over after a failed send, so a broken sequence cannot stall every later batch.
  const producer = renewingProducer(() =>
    kafka.producer({ idempotent: true, maxInFlightRequests: 1, createPartitioner: Partitioners.DefaultPartitioner }),
  );
  const partitions = createPartitionManager(pool, logger);
  const dlqTopic = deadLetterTopic(topicPrefix);
  let stopping = false;

  const metrics = createMaterializerMetrics(() => service.lag());
  metrics.databaseUp.set(1);

  await service.prepare(
    {
      afterMigrate: () =>
        untilReachable(logger, 'PostgreSQL', () => maintainPartitions(partitions, settings.retentionDays, logger), signal),
      afterConnect: () => abortable(ensureDeadLetterTopic(admin, dlqTopic), signal),
      afterTopics: async (topics) => {
        if (settings.resetTo !== undefined) await reset(admin, pool, groupId, topics, settings.resetTo, logger);
      },
    },
    [producer],
  );

  const gate = service.createGate((paused) => metrics.databaseUp.set(paused ? 0 : 1));

  const handler = batchHandler({
    settings,
    pool,
    admin,
    producer,
    decoder,
    partitions,
    metrics,
    gate,
    dlqTopic,
    seek: (topic, partition, offset) => service.group?.seek(topic, partition, offset),
  });

  const starting = service.join(handler.eachBatch, handler.onAssignment);
  let consumer: GroupConsumer;
  try {
    consumer = await abortable(starting, signal);
  } catch (error) {
    // Aborted while joining: a consumer that still comes up leaves the group at once.
    void starting.then((late) => late.stop()).catch(() => undefined);
    await Promise.allSettled([admin.disconnect(), producer.disconnect(), pool.end()]);
    throw error;
  }

  const retention = setInterval(
    () =>
      void maintainPartitions(partitions, settings.retentionDays, logger).catch((error: unknown) =>
        logger.warn({ err: error }, 'retention run failed'),
      ),
    settings.retentionIntervalMs,
  );

  let ops: OpsServer;
  try {
    ops = await startOpsServer({
      port: settings.port,
      registry: metrics.registry,
      logger,
      health: () => ({
        ...consumerHealth(consumer, gate),
        topics: consumer.topics.length,
        groupId,
      }),
    });
  } catch (error) {
    stopping = true;
    await shutdown();
    throw error;
  }
  logger.info({ port: ops.port }, 'materializer health and metrics listening');

  async function shutdown(): Promise<void> {
    clearInterval(retention);
    gate.close();
    await consumer.stop();
    await handler.drain();
    await Promise.allSettled([producer.disconnect(), admin.disconnect()]);
    await pool.end().catch(() => undefined);
  }

  return {
    port: ops.port,
    async stop() {
      if (stopping) return;
      stopping = true;
      logger.info('materializer stopping: finishing the batches in flight');
      await shutdown();
      await ops.close();
      logger.info('materializer stopped');
    },
  };
}

interface HandlerContext {
  readonly settings: Required<Omit<MaterializerOptions, 'resetTo' | 'signal' | 'groupInstanceId' | 'kafkaSecurity' | 'registryAuth'>>;
  readonly pool: pg.Pool;
  readonly admin: Admin;
  readonly producer: RenewingProducer;
  readonly decoder: EventDecoder;
  readonly partitions: PartitionManager;
  readonly metrics: MaterializerMetrics;
  readonly gate: PauseGate;
  readonly dlqTopic: string;
  readonly seek: (topic: string, partition: number, offset: string) => void;
}

/** The eachBatch handler, what it drops on reassignment, and the writes it has under way. */
interface BatchHandler {
  readonly eachBatch: (payload: EachBatchPayload) => Promise<void>;
  /** The partitions were (re)assigned: chunks not yet being written are dropped (fetched again from the stored positions). */
  readonly onAssignment: () => void;
  /** Until every write under way has committed or failed. */
  readonly drain: () => Promise<void>;
}

/** One partition's writes, one after another: the last one's promise, and how many times its chain was broken. */
interface Lane {
  tail: Promise<void>;
  generation: number;
}

/**
 * The eachBatch handler: splits each batch into chunks of `batchSize` and hands each to a write of
 * its own (decode, then one transaction), at most `concurrency` written at once, the chunks of one
 * partition one after another. The handler returns once its chunks are handed over, so kafkajs
 * fetches the next records while the last chunks are still being written (kafkajs fetches only
 * after every batch of a fetch is handled): records in memory stay bounded by 2 × `concurrency`
 * chunks handed over plus one fetch.
 *
 * Offsets are resolved in kafkajs when a chunk is handed over; what counts is the position each
 * transaction stores in PostgreSQL. A write that fails, or finds its chunk past the stored
 * position, seeks its partition back, and the chunks behind it in the partition's lane are
 * dropped; a reassignment drops every chunk not yet being written (the group consumer seeks each
 * partition to its stored position). A chunk fetched before either is never written.
 */
function batchHandler(ctx: HandlerContext): BatchHandler {
  const { settings, metrics, gate } = ctx;
  const { logger } = settings;
  // Chunks handed over (decoded, waiting or being written): twice the writers, so a fetch ends,
  // and the next begins, while a chunk per writer is still waiting behind the ones being written.
  const handedOver = createSlots(settings.concurrency * 2);
  const writers = createSlots(settings.concurrency);
  const lanes = new Map<string, Lane>();
  const writing = new Set<Promise<void>>();
  let assignment = 0;

  const writeChunk = async (
    lane: Lane,
    ticket: { readonly assignment: number; readonly generation: number },
    previous: Promise<void>,
    messages: readonly KafkaMessage[],
    origin: { topic: string; partition: number; entityType: string },
  ): Promise<void> => {
    const { topic, partition } = origin;
    const log = logger.child({ topic, partition });
    const first = (messages[0] as KafkaMessage).offset;
    const stale = () => ticket.assignment !== assignment || ticket.generation !== lane.generation;
    const broken = (to: string) => {
      lane.generation++;
      ctx.seek(topic, partition, to);
    };
    let outcome;
    try {
      // Decoded while the partition's previous chunk is still being written (timed apart from the wait).
      const decodeStarted = performance.now();
      let decodedMs = 0;
      const items = decodeAll(ctx.decoder, messages, origin).finally(() => (decodedMs = performance.now() - decodeStarted));
      items.catch(() => undefined); // awaited below; not an unhandled rejection while the lane waits
      await previous;
      if (stale()) return;
      const decoded = await items;
      // Taken after the partition's previous chunk is done, so a waiting chunk never holds a writer.
      await writers.acquire();
      if (stale()) {
        writers.release();
        return;
      }
      const writeStarted = performance.now();
      try {
        outcome = await writeWithRetry(ctx, topic, partition, decoded);
      } finally {
        writers.release();
        metrics.batchSeconds.observe({ topic }, (decodedMs + performance.now() - writeStarted) / 1000);
      }
    } catch (error) {
      if (stale()) return;
      // Not a known outage (a bug, a schema changed under our feet): logged as an error, and
      // still retried with backoff rather than skipped, so nothing is lost while someone looks.
      if (!(error instanceof RegistryError) && !isConnectionError(error)) log.error({ err: error }, 'writing a batch failed');
      gate.failed(error, failureCause(error));
      broken(first);
      return;
    }
    gate.succeeded();
    if (outcome.kind === 'rewind') {
      log.info({ to: outcome.to.toString(), fetched: first }, 'batch starts past the stored position; seeking back');
      broken(outcome.to.toString());
      return;
    }
    if (outcome.lost)
      log.warn(
        { from: outcome.lost.from.toString(), to: outcome.lost.to.toString() },
        'records between the stored position and the log start were deleted by Kafka retention before they were materialised',
      );
    metrics.events.inc({ topic }, outcome.inserted);
    if (outcome.skipped > 0) metrics.skipped.inc({ topic }, outcome.skipped);
    if (outcome.expired > 0) metrics.expired.inc({ topic }, outcome.expired);
    if (outcome.duplicates > 0) metrics.duplicates.inc({ topic }, outcome.duplicates);
    for (const letter of outcome.deadLetters) {
      metrics.deadLetters.inc({ topic, reason: letter.code });
      log.warn({ offset: letter.offset, code: letter.code, reason: letter.reason }, 'record dead-lettered');
    }
  };

  const eachBatch = async (payload: EachBatchPayload): Promise<void> => {
    const { batch } = payload;
    const { topic, partition } = batch;
    const origin = { topic, partition, entityType: topic.slice(settings.topicPrefix.length + 1) };
    const laneId = `${topic}|${partition}`;
    const current = () => payload.isRunning() && !payload.isStale() && !gate.paused;
    for (let start = 0; start < batch.messages.length; start += settings.batchSize) {
      if (!current()) return;
      await handedOver.acquire();
      if (!current()) {
        handedOver.release();
        return;
      }
      const messages = batch.messages.slice(start, start + settings.batchSize);
      let lane = lanes.get(laneId);
      if (!lane) {
        lane = { tail: Promise.resolve(), generation: 0 };
        lanes.set(laneId, lane);
      }
      const task = writeChunk(lane, { assignment, generation: lane.generation }, lane.tail, messages, origin)
        .catch((error: unknown) => logger.error({ err: error, topic, partition }, 'a chunk write failed unexpectedly'))
        .finally(() => {
          handedOver.release();
          writing.delete(task);
        });
      lane.tail = task;
      writing.add(task);
      payload.resolveOffset((messages[messages.length - 1] as KafkaMessage).offset);
      await payload.heartbeat();
    }
  };

  return {
    eachBatch,
    onAssignment: () => void assignment++,
    async drain() {
      while (writing.size > 0) await Promise.allSettled([...writing]);
    },
  };
}

/** A counting semaphore: at most `size` holders at once, the others served in arrival order. */
function createSlots(size: number) {
  let free = size;
  const waiting: (() => void)[] = [];
  return {
    async acquire(): Promise<void> {
      if (free > 0) {
        free--;
        return;
      }
      await new Promise<void>((resolve) => waiting.push(resolve));
    },
    release(): void {
      const next = waiting.shift();
      if (next) next();
      else free++;
    },
  };
}

function failureCause(error: unknown): string {
  if (error instanceof RegistryError) return 'the schema registry failed';
  return isConnectionError(error) ? 'PostgreSQL is unreachable' : 'writing a batch failed';
}

/** Writes one chunk on its own pooled connection; deadlocks and serialization failures are retried at once. */
function writeWithRetry(ctx: HandlerContext, topic: string, partition: number, items: readonly BatchItem[]) {
  const { settings } = ctx;
  return withRetriedClient(ctx.pool, (client) =>
    writeBatch(client, {
      key: { groupId: settings.groupId, topic, partition },
      items,
      cutoffDay: retentionCutoffDay(Date.now(), settings.retentionDays),
      logStart: async () => logStartOffset(ctx.admin, topic, partition),
      ensureDays: (days) => ctx.partitions.ensure(days),
      publishDeadLetters: async (letters) => {
        await ctx.producer.send({
          topic: ctx.dlqTopic,
          acks: -1,
          messages: letters.map((letter) => ({
            key: letter.key,
            value: letter.value,
            headers: deadLetterHeaders(letter, settings.groupId),
          })),
        });
      },
    }),
  );
}

async function decodeAll(
  decoder: EventDecoder,
  messages: readonly KafkaMessage[],
  origin: { topic: string; partition: number; entityType: string },
): Promise<BatchItem[]> {
  const now = Date.now();
  const items: BatchItem[] = [];
  for (const message of messages) {
    const record: RawRecord = {
      topic: origin.topic,
      partition: origin.partition,
      offset: message.offset,
      timestamp: message.timestamp,
      key: message.key ?? null,
      value: message.value ?? null,
      headers: message.headers,
    };
    const dead = (code: DeadLetterCode, reason: string): BatchItem => ({ record, dead: deadLetter(record, code, reason) });
    const decoded = await decoder.decode(record.value);
    if (!decoded.ok) {
      items.push(dead(decoded.code, decoded.reason));
      continue;
    }
    const problems = envelopeProblems(decoded.event, origin.entityType, now);
    if (problems.length > 0) {
      items.push(dead('invalid', `the event fails validation: ${problems.join('; ')}`));
      continue;
    }
    items.push({ record, row: toEventRow(decoded.event, decoded.schemaId, { ...origin, offset: message.offset }) });
  }
  return items;
}

/** Creates the partitions of yesterday, today and tomorrow, and drops the ones past retention. */
async function maintainPartitions(partitions: PartitionManager, retentionDays: number, logger: Logger): Promise<void> {
  const today = dayOf(Date.now());
  await partitions.ensure([today - 1, today, today + 1]);
  const cutoff = retentionCutoffDay(Date.now(), retentionDays);
  if (cutoff !== undefined) {
    const dropped = await partitions.prune(cutoff);
    if (dropped.length > 0) logger.debug({ dropped }, 'retention applied');
  }
}

/** `--reset-to`: moves the group's stored positions back (or forward) so the topics are replayed from there. */
async function reset(admin: Admin, pool: pg.Pool, groupId: string, topics: readonly string[], to: 'earliest' | Date, logger: Logger) {
  const positions: { topic: string; partition: number; offset: bigint }[] = [];
  for (const topic of topics) {
    const offsets =
      to === 'earliest' ? await admin.fetchTopicOffsets(topic) : await admin.fetchTopicOffsetsByTimestamp(topic, to.getTime());
    for (const entry of offsets)
      positions.push({ topic, partition: entry.partition, offset: to === 'earliest' ? -1n : BigInt(entry.offset) });
  }
  await resetPositions(pool, groupId, positions);
  logger.info(
    { groupId, to: to === 'earliest' ? to : to.toISOString(), partitions: positions.length },
    'stored positions reset; replaying',
  );
}
