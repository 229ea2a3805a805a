import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, type Config } from '../../adapters/config.js';
import { createKafka, type KafkaMessage } from '../../adapters/kafka/index.js';
import { entityTopic } from '../../core/topics.js';
import type { PublishResult } from '../../producers/types.js';
import { createTestLogger } from '../harness/log-sink.js';
import { ensureTopics } from '../../producers/ensure-topics.js';
import { createPublisher } from '../../producers/publisher.js';
import { kafkaDown, kafkaUp } from '../../stack/kafka.js';
import { kafkaNodes } from '../../stack/kafka-nodes.js';
import { stackPaths } from '../../stack/paths.js';
import type { ServiceContext } from '../../stack/service.js';
import { useTestContext } from '../harness/index.js';
import { freePortRun } from '../harness/ports.js';
import { sampleData } from '../harness/samples.js';

/**
 * A broker of this file's own (the stack's Kafka, on free ports and another data directory) so it
 * can be stopped mid-test without touching the shared one, nor another run's.
 */
const ctx = useTestContext('broker-down');
const logger = createTestLogger('warn');
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'evp-broker-down-'));
let broker: ServiceContext;
let brokers: string[];
let config: Config;

/** The broker on ports free a moment ago; another process may take one first, so it tries again on others. */
async function startBroker(): Promise<void> {
  for (let tries = 1; ; tries++) {
    const kafkaPort = await freePortRun(5);
    const controllerPort = kafkaPort + 1;
    const brokerConfig = loadConfig({
      ...process.env,
      EVP_DATA_DIR: path.join(dataDir, `try-${String(tries)}`),
      EVP_KAFKA_PORT: String(kafkaPort),
      EVP_KAFKA_CONTROLLER_PORT: String(controllerPort),
      EVP_KAFKA_SECURE_PORT: String(kafkaPort + 2),
      // Starting again after a SIGKILL recovers the logs: 256 MiB ran out there under load.
      EVP_KAFKA_HEAP: '512m',
    });
    broker = { config: brokerConfig, logger, paths: stackPaths(brokerConfig.stack) };
    brokers = [`127.0.0.1:${String(kafkaPort)}`];
    try {
      await kafkaUp(broker);
      return;
    } catch (error) {
      await kafkaDown(broker);
      if (
        tries === 3 ||
        !/Address already in use|EVP_STACK_PORT_TAKEN/.test(`${(error as Error).message} ${(error as { code?: string }).code ?? ''}`)
      )
        throw error;
      logger.warn({ err: error }, 'a port of the test broker was taken meanwhile; trying others');
    }
  }
}

beforeAll(async () => {
  await startBroker();
  config = loadConfig({ ...ctx.env, KAFKA_BROKERS: brokers.join(',') });
  const admin = createKafka({ brokers, clientId: 'broker-down', logger }).admin();
  await admin.connect();
  await ensureTopics(admin, ctx.topicPrefix, ['customer'], { partitions: 3, retentionMs: 3_600_000, deadLetterRetentionMs: 3_600_000 });
  await admin.disconnect();
}, 240_000);

afterAll(async () => {
  await kafkaDown(broker);
  fs.rmSync(dataDir, { recursive: true, force: true });
});

/** Every record of `topic` on this file's broker, read from the start with a group of its own. */
async function readAll(topic: string, count: number): Promise<{ partition: number; message: KafkaMessage }[]> {
  const consumer = createKafka({ brokers, clientId: 'broker-down-read', logger }).consumer({ groupId: `${ctx.topicPrefix}.read` });
  const records: { partition: number; message: KafkaMessage }[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    let done!: () => void;
    const all = new Promise<void>((resolve) => (done = resolve));
    await consumer.run({
      eachMessage: ({ partition, message }) => {
        records.push({ partition, message });
        if (records.length >= count) done();
        return Promise.resolve();
      },
    });
    await Promise.race([all, new Promise((resolve) => setTimeout(resolve, 60_000))]);
    return records;
  } finally {
    await consumer.disconnect();
  }
}

describe('publisher through a broker restart', () => {
  it('loses no acknowledged event and reorders nothing within an entity while the broker is killed and started again', async () => {
    const publisher = createPublisher(config, {
      service: 'billing',
      logger,
      autoRegister: true,
      // A budget that outlasts the restart: 12 retries up to 2 s apart.
      retry: { retries: 12, initialRetryTime: 200, maxRetryTime: 2_000 },
      ackTimeoutMs: 5_000,
      lingerMs: 2,
      batchMaxEvents: 50,
    });
    const entities = Array.from({ length: 12 }, (_, i) => `cus_r${String(i).padStart(2, '0')}`);
    const total = 3_000;
    const outcomes: (PromiseSettledResult<PublishResult> | undefined)[] = Array.from({ length: total }, () => undefined);
    const inFlight = new Set<Promise<unknown>>();
    let restarted: Promise<void> | undefined;
    // Rejects if the broker does not come back, so the test fails with why instead of waiting on publishes.
    let restartFailed: Promise<never> = new Promise<never>(() => undefined);
    for (let seq = 0; seq < total; seq++) {
      const entity = entities[seq % entities.length] as string;
      const sent = publisher
        .publish('customer.updated', {
          organization_id: 'org_restart',
          data: { ...(sampleData('customer', entity) as object), name: String(seq) } as never,
        })
        .then(
          (result) => {
            outcomes[seq] = { status: 'fulfilled', value: result };
          },
          (error: unknown) => (outcomes[seq] = { status: 'rejected', reason: error }),
        );
      inFlight.add(sent);
      void sent.finally(() => inFlight.delete(sent));
      // Up to 500 publishes unacknowledged, so several requests are in flight on every lane.
      while (inFlight.size >= 500) await Promise.race([...inFlight, restartFailed]);
      if (seq === 1_000) {
        const [node] = kafkaNodes(broker);
        expect(node?.pid, 'the test broker runs').toBeDefined();
        process.kill(node?.pid as number, 'SIGKILL');
        restarted = (async () => {
          await new Promise((resolve) => setTimeout(resolve, 1_000));
          await kafkaUp(broker);
        })();
        restartFailed = restarted.then(() => new Promise<never>(() => undefined));
        // Observed by the races above and below, and by `await restarted`: never unhandled.
        restartFailed.catch(() => undefined);
      }
    }
    await restarted;
    await Promise.race([Promise.all(inFlight), restartFailed]);
    await publisher.close();

    const acked = outcomes.flatMap((outcome, seq) => (outcome?.status === 'fulfilled' ? [{ seq, result: outcome.value }] : []));
    const refused = outcomes.filter((outcome): outcome is PromiseRejectedResult => outcome?.status === 'rejected');
    expect(acked.length + refused.length).toBe(total);
    expect(acked.length, 'most publishes outlast the restart').toBeGreaterThan(total / 2);
    for (const outcome of refused) expect(outcome.reason).toMatchObject({ code: 'EVP_PUBLISH_NOT_ACKNOWLEDGED' });

    const topic = entityTopic(config.topicPrefix, 'customer');
    // The 21 events of the other test are not on this topic yet: it runs after this one.
    const stored = await readAll(topic, acked.length);
    const at = new Map(stored.map(({ partition, message }) => [`${partition}:${message.offset}`, message]));
    // Every acknowledged event is where its publish said, with its own id.
    for (const { result } of acked) {
      const message = at.get(`${result.partition}:${result.offset}`);
      expect(message, `event ${result.eventId} at ${result.partition}:${result.offset}`).toBeDefined();
      expect(message?.headers?.['ce_id']?.toString()).toBe(result.eventId);
    }
    // Within an entity, the stored events are in publish order (a resent record may repeat, never go back).
    const seqOf = new Map(outcomes.map((outcome, seq) => [outcome?.status === 'fulfilled' ? outcome.value.eventId : `-${seq}`, seq]));
    const byEntity = new Map<string, number[]>();
    for (const { message } of [...stored].sort(
      (a, b) => a.partition - b.partition || Number(BigInt(a.message.offset) - BigInt(b.message.offset)),
    )) {
      const seq = seqOf.get(message.headers?.['ce_id']?.toString() ?? '');
      if (seq === undefined) continue;
      const entity = message.key?.toString() ?? '';
      byEntity.set(entity, [...(byEntity.get(entity) ?? []), seq]);
    }
    expect(byEntity.size).toBe(entities.length);
    for (const [entity, seqs] of byEntity) {
      for (let i = 1; i < seqs.length; i++)
        expect(seqs[i], `${entity}: ${seqs[i - 1]} then ${seqs[i]}`).toBeGreaterThanOrEqual(seqs[i - 1] as number);
    }
  }, 240_000);
});

describe('publisher with the broker going down', () => {
  it('rejects every pending publish with the cause after the retry budget, and resolves none without an ack', async () => {
    const publisher = createPublisher(config, {
      service: 'billing',
      logger,
      autoRegister: true,
      retry: { retries: 2, initialRetryTime: 100, maxRetryTime: 300 },
      ackTimeoutMs: 2_000,
    });
    const event = (i: number) => ({ organization_id: 'org_down', data: sampleData('customer', `cus_${i}`) as never });
    const acknowledged = await publisher.publish('customer.updated', event(0));
    expect(acknowledged.offset).toMatch(/^\d+$/);

    expect(await kafkaDown(broker)).toBe(true);
    const outcomes = await Promise.allSettled(Array.from({ length: 20 }, (_, i) => publisher.publish('customer.updated', event(i + 1))));
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toEqual([]);
    for (const outcome of outcomes) {
      const reason = (outcome as PromiseRejectedResult).reason as Error & { code: string; cause: Error };
      expect(reason.code).toBe('EVP_PUBLISH_NOT_ACKNOWLEDGED');
      expect(reason.message).toContain('Kafka did not acknowledge');
      expect(reason.cause).toBeInstanceOf(Error);
    }
    await publisher.close();
  }, 120_000);
});
