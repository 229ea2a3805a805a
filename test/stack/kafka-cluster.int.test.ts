import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import kafkajs, { Kafka, logLevel, type Admin } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../adapters/config.js';
import { defaultTopicSettings, ensureTopics } from '../../producers/ensure-topics.js';
import { readEventSchemas } from '../../schemas/event-schemas.js';
import { kafkaDown, kafkaStatus, kafkaUp } from '../../stack/kafka.js';
import { kafkaNodes, waitKafkaNodeInSync } from '../../stack/kafka-nodes.js';
import type { ServiceContext } from '../../stack/service.js';
import { stackContext } from '../../stack/stack.js';
import { findJava } from '../../stack/tools.js';
import { javaRequirements } from '../../stack/versions.js';
import { createTestLogger } from '../harness/log-sink.js';
import { freePortRun } from '../harness/ports.js';

const { ConfigResourceTypes } = kafkajs;

/**
 * A three-node cluster of its own (own data dir, own ports), never the shared test stack: what
 * `evp stack up --brokers 3` starts, what `evp topics ensure` makes of it, and a node killed and
 * brought back while writes acknowledged by all replicas go on.
 */

const hasJava = await findJava({ homes: [process.env['JAVA_HOME']], minMajor: javaRequirements.kafka, purpose: 'Kafka' }).then(
  () => true,
  () => false,
);
let dataDir: string;
let basePort: number;
let env: Record<string, string>;
let ctx: ServiceContext;
const topicPrefix = `t.cluster_${randomBytes(4).toString('hex')}`;
let kafka: Kafka;
let admin: Admin;

/** `read` once it stops throwing: a broker learns of new topics a moment after another created them. */
async function eventually<T>(read: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      return await read();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}

/** Until every partition of `topic` has a leader (a fresh topic is unknown to some brokers for a moment). */
async function waitForLeaders(topic: string, partitions: number): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const [metadata] = (await admin.fetchTopicMetadata({ topics: [topic] }).catch(() => ({ topics: [] }))).topics;
    const led = metadata?.partitions.filter((partition) => partition.leader >= 0).length ?? 0;
    if (led === partitions) return;
    if (Date.now() > deadline) throw new Error(`${topic} has ${led} of ${partitions} partitions with a leader after 30 s`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

describe.skipIf(!hasJava)('a three-node local kafka', () => {
  beforeAll(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'evp-kafka-cluster-'));
    // Two ports per node for clients and controllers, then three per node for the secured listeners.
    basePort = await freePortRun(15);
    env = {
      ...Object.fromEntries(
        ['EVP_CACHE_DIR', 'EVP_KAFKA_VERSION', 'JAVA_HOME', 'EVP_STACK_TIMEOUT_MS'].flatMap((name) =>
          process.env[name] ? [[name, process.env[name]]] : [],
        ),
      ),
      EVP_DATA_DIR: dataDir,
      EVP_KAFKA_NODES: '3',
      EVP_KAFKA_PORT: String(basePort),
      EVP_KAFKA_CONTROLLER_PORT: String(basePort + 1),
      EVP_KAFKA_SECURE_PORT: String(basePort + 6),
    };
    ctx = stackContext(loadConfig(env), createTestLogger('silent'));
    const up = await kafkaUp(ctx);
    kafka = new Kafka({ clientId: 'kafka-cluster-test', brokers: up.endpoint.split(','), logLevel: logLevel.NOTHING });
    admin = kafka.admin();
    await admin.connect();
  });

  afterAll(async () => {
    await admin?.disconnect();
    // Whatever a failed test left running (after the last test, nothing).
    if (ctx) await kafkaDown(ctx);
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('answers on three client ports two apart, with three brokers in its metadata', async () => {
    const status = await kafkaStatus(ctx);
    const endpoints = [0, 2, 4].map((offset) => `127.0.0.1:${basePort + offset}`);
    expect(status).toMatchObject({ state: 'up', origin: 'stack', endpoint: endpoints.join(',') });
    expect(status.nodes?.map((node) => [node.nodeId, node.endpoint, node.state, typeof node.pid])).toEqual([
      [1, endpoints[0], 'up', 'number'],
      [2, endpoints[1], 'up', 'number'],
      [3, endpoints[2], 'up', 'number'],
    ]);
    // A node answers on its port a moment before the controller lists it as a live broker.
    const brokers = await eventually(async () => {
      const ids = (await admin.describeCluster()).brokers.map((broker) => broker.nodeId).sort();
      if (ids.length < 3) throw new Error(`brokers ${ids.join(', ')} in the metadata so far`);
      return ids;
    });
    expect(brokers).toEqual([1, 2, 3]);
  });

  it('refuses to run a single node while the cluster runs, saying how to stop it', async () => {
    const single = stackContext(loadConfig({ ...env, EVP_KAFKA_NODES: '1' }), ctx.logger);
    await expect(kafkaUp(single)).rejects.toMatchObject({
      code: 'EVP_STACK_PORT_TAKEN',
      message: expect.stringMatching(/already runs a 3-node Kafka cluster .* Stop it with `evp stack down`/),
    });
  });

  it('gets topics with three replicas and min.insync.replicas 2 from topics ensure', async () => {
    const outcomes = await ensureTopics(admin, topicPrefix, readEventSchemas().keys(), { ...defaultTopicSettings, partitions: 1 });
    expect(outcomes.map((outcome) => [outcome.status, outcome.replicationFactor])).toEqual(outcomes.map(() => ['created', 3]));

    const topics = outcomes.map((outcome) => outcome.topic);
    const metadata = await eventually(() => admin.fetchTopicMetadata({ topics }));
    for (const topic of metadata.topics) {
      for (const partition of topic.partitions) expect([...partition.replicas].sort()).toEqual([1, 2, 3]);
    }
    const configs = await eventually(() =>
      admin.describeConfigs({
        includeSynonyms: false,
        resources: topics.map((name) => ({ type: ConfigResourceTypes.TOPIC, name, configNames: ['min.insync.replicas'] })),
      }),
    );
    expect(new Set(configs.resources.flatMap((resource) => resource.configEntries.map((entry) => entry.configValue)))).toEqual(
      new Set(['2']),
    );
  });

  it('acknowledges acks=all writes while one node is killed, and takes the node back with its data', async () => {
    // No replication factor given: the cluster's default.replication.factor (3) applies.
    const topic = `${topicPrefix}.chaos`;
    await admin.createTopics({ topics: [{ topic, numPartitions: 6 }], waitForLeaders: false });
    await waitForLeaders(topic, 6);
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, retry: { retries: 10, maxRetryTime: 5000 } });
    await producer.connect();
    const send = (value: string) =>
      producer.send({ topic, acks: -1, messages: Array.from({ length: 6 }, (_, partition) => ({ partition, value })) });
    try {
      await send('before');
      const before = kafkaNodes(ctx);
      const victim = before[2] as (typeof before)[number];
      expect(victim.pid).toBeTypeOf('number');
      // What a chaos script does: SIGKILL the node's process, no shutdown of any kind.
      process.kill(victim.pid as number, 'SIGKILL');

      // A third of the partitions were led by the dead node until its session expired.
      const sent = await send('while node 3 was down');
      expect(sent.map((result) => result.errorCode)).toEqual(sent.map(() => 0));
      const status = await kafkaStatus(ctx);
      expect([status.state, status.nodes?.[2]?.state, status.nodes?.[2]?.pid]).toEqual(['down', 'down', undefined]);

      // `evp stack up` starts only the missing node, with the data it had, and it catches up:
      // back in the in-sync replicas of every partition it holds.
      const up = await kafkaUp(ctx);
      expect(up).toMatchObject({ state: 'up', started: true });
      await waitKafkaNodeInSync(ctx, 3);
      const after = kafkaNodes(ctx);
      expect(after.slice(0, 2).map((node) => node.pid)).toEqual(before.slice(0, 2).map((node) => node.pid));
      expect(after[2]?.pid).toBeTypeOf('number');
      expect(after[2]?.pid).not.toBe(victim.pid);
      expect((await send('after')).map((result) => result.errorCode)).toEqual(Array.from({ length: 6 }, () => 0));
    } finally {
      await producer.disconnect();
    }
  });

  it('stops all three nodes on stack down', async () => {
    expect(await kafkaDown(ctx)).toBe(true);
    expect(kafkaNodes(ctx).map((node) => node.pid)).toEqual([undefined, undefined, undefined]);
  });
});
