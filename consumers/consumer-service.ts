import type { Admin, EachBatchPayload, Kafka } from '../adapters/kafka/index.js';
import type pg from 'pg';
import { createPool } from '../adapters/database.js';
import { connectKafka, createKafka } from '../adapters/kafka/index.js';
import type { KafkaSecurity } from '../adapters/kafka/security.js';
import type { Logger } from '../adapters/logger.js';
import { migratePool } from '../adapters/migrate.js';
import { createRegistryClient, type RegistryAuth } from '../adapters/registry.js';
import { readCatalogue } from '../schemas/catalogue.js';
import { abortable } from './abortable.js';
import { createEventDecoder, type EventDecoder } from './event-decoder.js';
import { lagOf, startGroupConsumer, untilReachable, untilTopics, type GroupConsumer } from './group-consumer.js';
import { createPauseGate, type PauseGate } from './pause-gate.js';

/** The options both services that consume the entity topics take. */
export interface ConsumerOptions {
  readonly kafkaBrokers: readonly string[];
  /** How to authenticate to Kafka. @defaultValue PLAINTEXT */
  readonly kafkaSecurity?: KafkaSecurity | undefined;
  readonly schemaRegistryUrl: string;
  readonly registryAuth?: RegistryAuth | undefined;
  readonly databaseUrl: string;
  /** The schema holding the pipeline's tables (created and migrated at start). */
  readonly databaseSchema: string;
  readonly topicPrefix: string;
  readonly groupId: string;
  readonly logger: Logger;
  /** Port of `/healthz` and `/metrics`; 0 picks a free one. */
  readonly port: number;
  /**
   * Aborting it during start-up (SIGTERM while PostgreSQL or Kafka does not answer yet) stops the
   * waiting: start rejects after closing what it opened. Once started, `stop()` is the way out.
   */
  readonly signal?: AbortSignal | undefined;
  /**
   * Its static member id in the group (group.instance.id), unique per process: restarted under
   * the same id, it gets its partitions back at once. Undefined: a dynamic member.
   */
  readonly groupInstanceId?: string | undefined;
  /** A member that sends no heartbeat for this long leaves the group, in ms. */
  readonly sessionTimeoutMs?: number;
  /** How often new entity topics are looked for, in ms. */
  readonly topicRefreshMs?: number;
}

/** The options with their defaults applied, as the shared setup reads them. */
export type ConsumerServiceSettings = ConsumerOptions & {
  readonly sessionTimeoutMs: number;
  readonly topicRefreshMs: number;
  /** How long a fetch waits for more records, in ms. */
  readonly lingerMs: number;
  /** Partitions handled at once. */
  readonly concurrency: number;
};

/** Start-up steps of a service's own, in the order they run between the shared ones. */
export interface ConsumerServiceSteps {
  /** Once the store is migrated, before Kafka is connected. */
  readonly afterMigrate?: () => Promise<void>;
  /** Once Kafka is connected, before the entity topics are waited for. */
  readonly afterConnect?: () => Promise<void>;
  /** Once the entity topics are there. */
  readonly afterTopics?: (topics: readonly string[]) => Promise<void>;
}

export interface ConsumerService {
  readonly pool: pg.Pool;
  readonly kafka: Kafka;
  readonly admin: Admin;
  readonly decoder: EventDecoder;
  /** The entity topics' consumer lag, for the metrics. */
  lag(): ReturnType<typeof lagOf>;
  /**
   * Migrates the store, connects the admin (and `producers`), waits for the entity topics and runs
   * the service's steps between; on a failure closes what it opened and rethrows.
   */
  prepare(steps?: ConsumerServiceSteps, producers?: readonly { connect(): Promise<void>; disconnect(): Promise<void> }[]): Promise<void>;
  /** The gate that pauses the group while the database fails; `onChange` sees each pause and resume. */
  createGate(onChange: (paused: boolean) => void): PauseGate;
  /** Joins the group with `eachBatch` as its handler, over the topics `prepare` found. */
  join(eachBatch: (payload: EachBatchPayload) => Promise<void>, onAssignment?: () => void): Promise<GroupConsumer>;
  /** The group once joined. */
  readonly group: GroupConsumer | undefined;
}

/**
 * The part of the materializer and the streamer that is the same: one pool, one Kafka client and
 * its admin, the registry's decoder, and the consumer group over every entity topic.
 */
export function openConsumerService(service: string, settings: ConsumerServiceSettings, poolSize: number): ConsumerService {
  const { logger, groupId, signal } = settings;
  const pool = createPool({
    url: settings.databaseUrl,
    schema: settings.databaseSchema,
    max: poolSize,
    applicationName: `evp-${service}`,
    logger,
  });
  const kafkaTarget = { brokers: settings.kafkaBrokers, security: settings.kafkaSecurity };
  const kafka = createKafka({ ...kafkaTarget, clientId: `evp-${service}`, logger });
  const admin = kafka.admin();
  const decoder = createEventDecoder(createRegistryClient({ url: settings.schemaRegistryUrl, auth: settings.registryAuth }));
  const entities = new Set(Object.values(readCatalogue()).map((entry) => entry.entity));
  let topics: string[] = [];
  let group: GroupConsumer | undefined;

  return {
    pool,
    kafka,
    admin,
    decoder,
    get group() {
      return group;
    },
    lag: () => lagOf(admin, pool, groupId, group?.topics ?? topics),
    async prepare(steps = {}, producers = []) {
      try {
        await untilReachable(logger, 'PostgreSQL', async () => void (await migratePool(pool, settings.databaseSchema, logger)), signal);
        await steps.afterMigrate?.();
        await abortable(connectKafka(kafkaTarget, admin, ...producers), signal);
        await steps.afterConnect?.();
        topics = await untilTopics(admin, settings.topicPrefix, entities, logger, signal);
        await steps.afterTopics?.(topics);
      } catch (error) {
        await Promise.allSettled([admin.disconnect(), ...producers.map((producer) => producer.disconnect()), pool.end()]);
        throw error;
      }
    },
    createGate: (onChange) => createPauseGate({ logger, pause: () => group?.pause(), resume: () => group?.resume(), onChange }),
    async join(eachBatch, onAssignment) {
      group = await startGroupConsumer({
        kafka,
        admin,
        pool,
        target: kafkaTarget,
        groupId,
        topicPrefix: settings.topicPrefix,
        entities,
        topics,
        logger,
        sessionTimeoutMs: settings.sessionTimeoutMs,
        groupInstanceId: settings.groupInstanceId,
        lingerMs: settings.lingerMs,
        concurrency: settings.concurrency,
        topicRefreshMs: settings.topicRefreshMs,
        eachBatch,
        onAssignment,
      });
      return group;
    },
  };
}

/** The health fields both services report first: whether the group consumes and the database answers. */
export function consumerHealth(consumer: GroupConsumer, gate: PauseGate) {
  return {
    ok: consumer.consuming && !gate.paused,
    consuming: consumer.consuming,
    database: gate.paused ? 'paused' : 'up',
    ...(gate.reason ? { reason: gate.reason } : {}),
  };
}
