import { setTimeout as sleep } from 'node:timers/promises';
import { Partitioners, type Admin, type Consumer, type EachBatchPayload, type KafkaMessage, type Producer } from 'kafkajs';
import type pg from 'pg';
import { createPool, isConnectionError, isTransientConflict } from '../../adapters/database.js';
import { RegistryError } from '../../adapters/errors.js';
import { connectKafka, createKafka } from '../../adapters/kafka.js';
import type { Logger } from '../../adapters/logger.js';
import { startOpsServer, type OpsServer } from '../../adapters/ops-server.js';
import { createRegistryClient } from '../../adapters/registry.js';
import { nextAttempt } from '../../core/retry.js';
import { deadLetterTopic, entityTopic } from '../../core/topics.js';
import { readCatalogue } from '../../schemas/catalogue.js';
import { createEventDecoder, type EventDecoder } from '../event-decoder.js';
import { createPauseGate, type PauseGate } from '../pause-gate.js';
import { deadLetterHeaders, ensureDeadLetterTopic } from './dead-letters.js';
import { createMaterializerMetrics, type MaterializerMetrics } from './metrics.js';
import { migratePool } from '../../adapters/migrate.js';
import { positionId, readPositions, resetPositions } from './offsets.js';
import { materializerDefaults, type MaterializerOptions } from './options.js';
import { createPartitionManager, dayOf, retentionCutoffDay, type PartitionManager } from './partitions.js';
import { deadLetter, envelopeProblems, toEventRow, type DeadLetterCode, type RawRecord } from './records.js';
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
  const { logger, topicPrefix, groupId } = settings;
  const pool = createPool({
    url: settings.databaseUrl,
    schema: settings.databaseSchema,
    max: settings.concurrency + 2,
    applicationName: 'evp-materializer',
    logger,
  });
  const kafka = createKafka({ brokers: settings.kafkaBrokers, clientId: 'evp-materializer', logger });
  const admin = kafka.admin();
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, createPartitioner: Partitioners.DefaultPartitioner });
  const decoder = createEventDecoder(createRegistryClient({ url: settings.schemaRegistryUrl }));
  const partitions = createPartitionManager(pool, logger);
  const entities = new Set(Object.values(readCatalogue()).map((entry) => entry.entity));
  const dlqTopic = deadLetterTopic(topicPrefix);
  let topics: string[] = [];
  let consumer: Consumer | undefined;
  let stopping = false;
  let consuming = false;
  const timers: NodeJS.Timeout[] = [];

  const metrics = createMaterializerMetrics(async () => lagOf(admin, pool, groupId, topics));
  metrics.databaseUp.set(1);

  try {
    await untilReachable(logger, 'PostgreSQL', async () => void (await migratePool(pool, settings.databaseSchema, logger)));
    await untilReachable(logger, 'PostgreSQL', () => maintainPartitions(partitions, settings.retentionDays, logger));
    await connectKafka(settings.kafkaBrokers, admin, producer);
    await ensureDeadLetterTopic(admin, dlqTopic);
    topics = await untilTopics(admin, topicPrefix, entities, logger);
    if (settings.resetTo !== undefined) await reset(admin, pool, groupId, topics, settings.resetTo, logger);
  } catch (error) {
    await Promise.allSettled([admin.disconnect(), producer.disconnect(), pool.end()]);
    throw error;
  }

  const gate = createPauseGate({
    logger,
    pause: () => consumer?.pause(topics.map((topic) => ({ topic }))),
    resume: () => consumer?.resume(topics.map((topic) => ({ topic }))),
    onChange: (paused) => metrics.databaseUp.set(paused ? 0 : 1),
  });

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
    seek: (topic, partition, offset) => consumer?.seek({ topic, partition, offset }),
  });

  const run = async (): Promise<void> => {
    const next = kafka.consumer({
      groupId,
      sessionTimeout: settings.sessionTimeoutMs,
      heartbeatInterval: Math.max(500, Math.floor(settings.sessionTimeoutMs / 10)),
      maxWaitTimeInMs: settings.lingerMs,
      minBytes: settings.lingerMs > 0 ? 256 * 1024 : 1,
      maxBytesPerPartition: 4 * 1024 * 1024,
      maxBytes: 16 * 1024 * 1024,
    });
    consumer = next; // before it joins: pausing and seeking act on this one from the first batch
    next.on(next.events.GROUP_JOIN, ({ payload }) => {
      consuming = true;
      void seekToStored(next, pool, admin, groupId, payload.memberAssignment, logger);
    });
    next.on(next.events.CRASH, ({ payload }) => {
      consuming = false;
      if (payload.restart || stopping) return;
      logger.error({ err: payload.error }, 'the consumer stopped on an error it cannot retry; restarting it in 5 s');
      timers.push(setTimeout(() => void restart(), 5_000));
    });
    await connectKafka(settings.kafkaBrokers, next);
    await next.subscribe({ topics, fromBeginning: true });
    await next.run({ eachBatchAutoResolve: false, partitionsConsumedConcurrently: settings.concurrency, eachBatch: handler });
    logger.info({ topics: topics.length, groupId }, 'materializer consuming');
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

  // New entity topics join the subscription (kafkajs cannot add topics to a running consumer).
  timers.push(
    setInterval(() => {
      void listEntityTopics(admin, topicPrefix, entities)
        .then(async (found) => {
          const added = found.filter((topic) => !topics.includes(topic));
          if (added.length === 0 || stopping) return;
          logger.info({ added }, 'new entity topics; resubscribing');
          topics = found;
          await restart();
        })
        .catch((error: unknown) => logger.warn({ err: error }, 'listing topics failed'));
    }, settings.topicRefreshMs),
  );
  timers.push(
    setInterval(
      () =>
        void maintainPartitions(partitions, settings.retentionDays, logger).catch((error: unknown) =>
          logger.warn({ err: error }, 'retention run failed'),
        ),
      settings.retentionIntervalMs,
    ),
  );

  let ops: OpsServer;
  try {
    ops = await startOpsServer({
      port: settings.port,
      registry: metrics.registry,
      logger,
      health: () => ({
        ok: consuming && !gate.paused,
        consuming,
        database: gate.paused ? 'paused' : 'up',
        ...(gate.reason ? { reason: gate.reason } : {}),
        topics: topics.length,
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
    for (const timer of timers) clearTimeout(timer);
    gate.close();
    await consumer?.disconnect().catch((error: unknown) => logger.warn({ err: error }, 'leaving the group failed'));
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
  readonly settings: Required<Omit<MaterializerOptions, 'resetTo'>>;
  readonly pool: pg.Pool;
  readonly admin: Admin;
  readonly producer: Producer;
  readonly decoder: EventDecoder;
  readonly partitions: PartitionManager;
  readonly metrics: MaterializerMetrics;
  readonly gate: PauseGate;
  readonly dlqTopic: string;
  readonly seek: (topic: string, partition: number, offset: string) => void;
}

/** The eachBatch handler: decode, write in chunks of `batchSize`, resolve what was committed. */
function batchHandler(ctx: HandlerContext) {
  const { settings, metrics, gate } = ctx;
  const { logger } = settings;
  return async (payload: EachBatchPayload): Promise<void> => {
    const { batch } = payload;
    const { topic, partition } = batch;
    const entityType = topic.slice(settings.topicPrefix.length + 1);
    const log = logger.child({ topic, partition });
    for (let start = 0; start < batch.messages.length; start += settings.batchSize) {
      if (!payload.isRunning() || payload.isStale() || gate.paused) return;
      const messages = batch.messages.slice(start, start + settings.batchSize);
      const timer = metrics.batchSeconds.startTimer({ topic });
      let outcome;
      try {
        const items = await decodeAll(ctx.decoder, messages, { topic, partition, entityType });
        outcome = await writeWithRetry(ctx, topic, partition, items);
      } catch (error) {
        timer();
        // Not a known outage (a bug, a schema changed under our feet): logged as an error, and
        // still retried with backoff rather than skipped, so nothing is lost while someone looks.
        if (!(error instanceof RegistryError) && !isConnectionError(error)) log.error({ err: error }, 'writing a batch failed');
        gate.failed(error, failureCause(error));
        return;
      }
      timer();
      gate.succeeded();
      if (outcome.kind === 'rewind') {
        log.info({ to: outcome.to.toString(), fetched: messages[0]?.offset }, 'batch starts past the stored position; seeking back');
        ctx.seek(topic, partition, outcome.to.toString());
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
      payload.resolveOffset((messages[messages.length - 1] as KafkaMessage).offset);
      await payload.heartbeat();
    }
  };
}

function failureCause(error: unknown): string {
  if (error instanceof RegistryError) return 'the schema registry failed';
  return isConnectionError(error) ? 'PostgreSQL is unreachable' : 'writing a batch failed';
}

/** Writes one chunk on its own pooled connection; deadlocks and serialization failures are retried at once. */
async function writeWithRetry(ctx: HandlerContext, topic: string, partition: number, items: readonly BatchItem[]) {
  const { settings } = ctx;
  for (let attempt = 1; ; attempt++) {
    const client = await ctx.pool.connect();
    let broken: Error | undefined;
    try {
      return await writeBatch(client, {
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
      });
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

async function logStartOffset(admin: Admin, topic: string, partition: number): Promise<bigint> {
  const offsets = await admin.fetchTopicOffsets(topic);
  const found = offsets.find((entry) => entry.partition === partition);
  return BigInt(found?.low ?? '0');
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

async function listEntityTopics(admin: Admin, prefix: string, entities: ReadonlySet<string>): Promise<string[]> {
  const existing = new Set(await admin.listTopics());
  return [...entities]
    .map((entity) => entityTopic(prefix, entity))
    .filter((topic) => existing.has(topic))
    .sort();
}

async function untilTopics(admin: Admin, prefix: string, entities: ReadonlySet<string>, logger: Logger): Promise<string[]> {
  for (let announced = false; ; announced = true) {
    const found = await listEntityTopics(admin, prefix, entities);
    if (found.length > 0) return found;
    if (!announced) logger.info({ prefix }, 'no entity topics yet; waiting for `evp topics ensure` or a publisher');
    await sleep(2_000);
  }
}

async function untilReachable(logger: Logger, what: string, work: () => Promise<void>): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await work();
      return;
    } catch (error) {
      if (!isConnectionError(error)) throw error;
      const decision = nextAttempt(attempt, true, { retries: Number.POSITIVE_INFINITY, initialDelayMs: 500, maxDelayMs: 10_000 });
      const delayMs = decision.retry ? decision.delayMs : 10_000;
      logger.warn({ err: error, attempt, retryInMs: delayMs }, `${what} is unreachable; waiting for it`);
      await sleep(delayMs);
    }
  }
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

async function lagOf(admin: Admin, pool: pg.Pool, groupId: string, topics: readonly string[]) {
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
