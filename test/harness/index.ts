import { randomBytes } from 'node:crypto';
import { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import { dropKafkajsTimerWarning } from '../../adapters/kafka/kafkajs-timer-warning.js';
import { Kafka, logLevel, type Admin, type Consumer, type Producer, type ProducerConfig } from 'kafkajs';
import pg from 'pg';
import { afterAll, inject } from 'vitest';
import type { StackEndpoints } from '../../stack/index.js';
import { testSecretKey } from './secrets.js';

/**
 * The one test harness. Each test file calls `useTestContext('name')` once and gets names of its
 * own (topic prefix, consumer groups, a PostgreSQL schema), so files run in parallel against one
 * shared stack. Everything a helper creates is closed or dropped after the file's tests.
 */
export interface TestContext {
  /** Unique per test file, safe in topic, group and schema names. */
  readonly id: string;
  readonly endpoints: StackEndpoints;
  /** `t.<id>`: prefix of every topic this file creates. */
  readonly topicPrefix: string;
  /** A consumer group id unique to this file. */
  groupId(suffix?: string): string;
  readonly kafka: Kafka;
  /** Creates `<topicPrefix>.<name>` and deletes it after the file. */
  createTopic(name: string, partitions?: number): Promise<string>;
  createProducer(overrides?: ProducerConfig): Promise<Producer>;
  createConsumer(groupSuffix?: string): Promise<Consumer>;
  /** A subject name unique to this file: `<topicPrefix>.<name>-value`. */
  subject(name: string): string;
  createRegistry(): SchemaRegistry;
  /** The environment a command or a `loadConfig` call sees for this file: the stack's endpoints and this file's topic prefix. */
  readonly env: Record<string, string>;
  /** A pool whose search_path is a schema of this file's own (a new one each call), dropped after the file. */
  createTestDatabase(): Promise<{ pool: pg.Pool; schema: string }>;
}

export function useTestContext(name: string): TestContext {
  const id = `${name.replace(/[^a-z0-9]+/gi, '_').toLowerCase()}_${randomBytes(4).toString('hex')}`;
  const endpoints = inject('stack');
  dropKafkajsTimerWarning();
  const kafka = new Kafka({ clientId: `test-${id}`, brokers: [...endpoints.kafkaBrokers], logLevel: logLevel.ERROR });
  const topicPrefix = `t.${id}`;
  const cleanups: (() => Promise<unknown>)[] = [];
  let admin: Admin | undefined;
  let schemas = 0;

  const getAdmin = async (): Promise<Admin> => {
    if (!admin) {
      admin = kafka.admin();
      await admin.connect();
    }
    return admin;
  };

  afterAll(async () => {
    // Clients first (in reverse order of creation), then the resources they used.
    for (const cleanup of cleanups.reverse()) await cleanup();
    // Topics made by code under test (`ensureTopics`, a publisher's) carry the prefix too.
    const client = await getAdmin();
    const left = (await client.listTopics()).filter((topic) => topic.startsWith(`${topicPrefix}.`));
    if (left.length > 0) await client.deleteTopics({ topics: left }).catch(() => undefined);
    await admin?.disconnect();
  });

  return {
    id,
    endpoints,
    topicPrefix,
    kafka,
    groupId: (suffix = 'group') => `t.${id}.${suffix}`,
    async createTopic(topicName, partitions = 1) {
      const topic = `${topicPrefix}.${topicName}`;
      const client = await getAdmin();
      await client.createTopics({ topics: [{ topic, numPartitions: partitions, replicationFactor: 1 }], waitForLeaders: true });
      cleanups.push(() => client.deleteTopics({ topics: [topic] }).catch(() => undefined));
      return topic;
    },
    async createProducer(overrides = {}) {
      const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, ...overrides });
      await producer.connect();
      cleanups.push(() => producer.disconnect());
      return producer;
    },
    async createConsumer(groupSuffix = 'group') {
      const consumer = kafka.consumer({ groupId: `t.${id}.${groupSuffix}`, sessionTimeout: 10_000, heartbeatInterval: 1_000 });
      await consumer.connect();
      cleanups.push(() => consumer.disconnect());
      return consumer;
    },
    env: {
      KAFKA_BROKERS: endpoints.kafkaBrokers.join(','),
      SCHEMA_REGISTRY_URL: endpoints.schemaRegistryUrl,
      DATABASE_URL: endpoints.databaseUrl,
      TOPIC_PREFIX: topicPrefix,
      LOG_LEVEL: 'warn',
      DESTINATION_SECRET_KEY: testSecretKey,
    },
    subject: (subjectName) => `${topicPrefix}.${subjectName}-value`,
    createRegistry: () => new SchemaRegistry({ host: endpoints.schemaRegistryUrl }),
    async createTestDatabase() {
      const schema = schemas++ === 0 ? `t_${id}` : `t_${id}_${schemas}`;
      const setup = new pg.Client({ connectionString: endpoints.databaseUrl });
      await setup.connect();
      await setup.query(`create schema ${pg.escapeIdentifier(schema)}`);
      await setup.end();
      const pool = new pg.Pool({ connectionString: endpoints.databaseUrl, max: 4, options: `-c search_path=${schema}` });
      cleanups.push(async () => {
        await pool.end();
        const drop = new pg.Client({ connectionString: endpoints.databaseUrl });
        await drop.connect();
        await drop.query(`drop schema if exists ${pg.escapeIdentifier(schema)} cascade`);
        await drop.end();
      });
      return { pool, schema };
    },
  };
}
