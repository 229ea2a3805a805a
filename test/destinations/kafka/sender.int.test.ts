import { createServer, type AddressInfo, type Socket } from 'node:net';
import type { EachMessagePayload } from 'kafkajs';
import { afterAll, describe, expect, it } from 'vitest';
import { createTestLogger } from '../../harness/log-sink.js';
import { createKafkaSender, type KafkaRequest } from '../../../destinations/kafka/sender.js';
import { useTestContext } from '../../harness/index.js';

const ctx = useTestContext('kafka_sender');
const logger = createTestLogger('silent');
/**
 * The stack's Kafka is the pipeline's own, allowed as an operator would allow it; the pipeline's
 * topic prefix is not this file's, whose topics stand for a tenant's.
 */
const policy = { ownBrokers: ctx.endpoints.kafkaBrokers, allowedBrokers: ctx.endpoints.kafkaBrokers, topicPrefix: 'evp-pipeline' };
const sender = createKafkaSender({ logger, ...policy });

afterAll(async () => {
  await sender.close();
});

const messages: KafkaRequest['messages'] = [
  {
    key: 'cus_1',
    value: '{"id":"evt_1","type":"customer.created"}',
    headers: { 'evp-delivery-id': 'dlv_1', 'evp-event-type': 'customer.created' },
  },
  {
    key: 'cus_2',
    value: '{"id":"evt_2","type":"customer.created"}',
    headers: { 'evp-delivery-id': 'dlv_2', 'evp-event-type': 'customer.created' },
  },
  {
    key: 'cus_1',
    value: '{"id":"evt_3","type":"customer.updated"}',
    headers: { 'evp-delivery-id': 'dlv_3', 'evp-event-type': 'customer.updated' },
  },
];

/** What the delivery log says of a cluster that could not be reached, however that came about. */
const unreachableText = (brokers: string, timeoutMs: number, topic = 'anything') =>
  `could not reach the Kafka cluster at ${brokers}, or it did not acknowledge the write to topic ${topic} within ${timeoutMs} ms; check the destination's brokers and kafka.security_protocol (the listener's), and that the cluster is up and reachable from the pipeline`;

/** Reads `count` messages of a topic from the beginning, as key, value and string headers. */
async function consume(topic: string, count: number): Promise<{ key: string; value: string; headers: Record<string, string> }[]> {
  const consumer = await ctx.createConsumer(`read-${topic}`);
  await consumer.subscribe({ topic, fromBeginning: true });
  const received: { key: string; value: string; headers: Record<string, string> }[] = [];
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`only ${received.length} of ${count} messages arrived`)), 60_000);
    void consumer.run({
      eachMessage: ({ message }: EachMessagePayload) => {
        const headers = Object.fromEntries(Object.entries(message.headers ?? {}).map(([name, value]) => [name, String(value)]));
        received.push({ key: String(message.key), value: String(message.value), headers });
        if (received.length === count) {
          clearTimeout(timer);
          resolve();
        }
        return Promise.resolve();
      },
    });
  });
  await consumer.stop();
  return received;
}

describe('kafka sender', () => {
  it('kafka sender writes messages with their keys, values and headers, in order', async () => {
    const topic = await ctx.createTopic('deliveries');
    const outcome = await sender.send({ brokers: ctx.endpoints.kafkaBrokers, topic, timeoutMs: 15_000, messages });

    expect(outcome).toMatchObject({ result: { kind: 'response', status: 200 } });
    expect(outcome.error).toBeUndefined();
    expect(await consume(topic, messages.length)).toEqual(messages);
    expect(sender.openProducers()).toBe(1);
  });

  it('kafka sender reuses one producer per broker list', async () => {
    const topic = await ctx.createTopic('reuse');
    const reversed = [...ctx.endpoints.kafkaBrokers].reverse();
    for (const brokers of [ctx.endpoints.kafkaBrokers, reversed]) {
      expect((await sender.send({ brokers, topic, timeoutMs: 15_000, messages })).result.kind).toBe('response');
    }
    expect(sender.openProducers()).toBe(1);
  });

  it('kafka sender reports a topic that does not exist without creating it', async () => {
    const topic = `${ctx.topicPrefix}.missing`;
    const outcome = await sender.send({ brokers: ctx.endpoints.kafkaBrokers, topic, timeoutMs: 15_000, messages });

    expect(outcome.result).toEqual({ kind: 'error', code: 'UNKNOWN_TOPIC_OR_PARTITION' });
    expect(outcome.error).toContain(`topic ${topic} does not exist`);
    const admin = ctx.kafka.admin();
    await admin.connect();
    expect(await admin.listTopics()).not.toContain(topic);
    await admin.disconnect();
    // The failed producer was dropped; the next attempt connects again and succeeds.
    const existing = await ctx.createTopic('after-failure');
    expect((await sender.send({ brokers: ctx.endpoints.kafkaBrokers, topic: existing, timeoutMs: 15_000, messages })).result.kind).toBe(
      'response',
    );
  });

  it('kafka sender fails within the timeout when the brokers are unreachable', async () => {
    const unreachable = createKafkaSender({ logger, ...policy, allowedBrokers: ['127.0.0.1'] });
    try {
      const outcome = await unreachable.send({ brokers: ['127.0.0.1:1'], topic: 'anything', timeoutMs: 5_000, messages });

      expect(outcome.result).toEqual({ kind: 'error', code: 'kafka_unreachable' });
      expect(outcome.error).toBe(unreachableText('127.0.0.1:1', 5_000));
      // The failed producer is dropped and disconnected.
      await expect.poll(() => unreachable.openProducers(), { timeout: 5_000 }).toBe(0);
    } finally {
      await unreachable.close();
    }
  });

  it('kafka sender times out on a broker that accepts connections and never answers', async () => {
    const sockets = new Set<Socket>();
    const silent = createServer((socket) => {
      sockets.add(socket);
      socket.on('error', () => undefined);
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const broker = `127.0.0.1:${(silent.address() as AddressInfo).port}`;
    const stuck = createKafkaSender({ logger, ...policy, allowedBrokers: ['127.0.0.1'] });
    try {
      const outcome = await stuck.send({ brokers: [broker], topic: 'anything', timeoutMs: 500, messages });

      // In the same words as a refused connection: a silent port is not told from a closed one.
      expect(outcome.result).toEqual({ kind: 'error', code: 'kafka_unreachable' });
      expect(outcome.error).toBe(unreachableText(broker, 500));
    } finally {
      // Hanging up lets kafkajs's pending connect fail, and the dropped producer disconnect.
      silent.close();
      for (const socket of sockets) socket.destroy();
      await stuck.close();
    }
    await expect.poll(() => stuck.openProducers(), { timeout: 10_000 }).toBe(0);
  });

  it('kafka sender disconnects an idle producer, and every producer on close', async () => {
    const topic = await ctx.createTopic('idle');
    const idle = createKafkaSender({ logger, ...policy, idleMs: 200 });
    try {
      expect((await idle.send({ brokers: ctx.endpoints.kafkaBrokers, topic, timeoutMs: 15_000, messages })).result.kind).toBe('response');
      expect(idle.openProducers()).toBe(1);
      await expect.poll(() => idle.openProducers(), { timeout: 5_000 }).toBe(0);

      expect((await idle.send({ brokers: ctx.endpoints.kafkaBrokers, topic, timeoutMs: 15_000, messages })).result.kind).toBe('response');
      expect(idle.openProducers()).toBe(1);
    } finally {
      await idle.close();
    }
    expect(idle.openProducers()).toBe(0);
    expect((await idle.send({ brokers: ctx.endpoints.kafkaBrokers, topic, timeoutMs: 15_000, messages })).result).toEqual({
      kind: 'error',
      code: 'sender_closed',
    });
  });
});
