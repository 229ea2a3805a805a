import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, type Config } from '../../adapters/config.js';
import { createKafka } from '../../adapters/kafka.js';
import { createTestLogger } from '../harness/log-sink.js';
import { ensureTopics } from '../../producers/ensure-topics.js';
import { createPublisher } from '../../producers/publisher.js';
import { kafkaDown, kafkaUp } from '../../stack/kafka.js';
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
      EVP_KAFKA_HEAP: '256m',
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
