import { ConfigResourceTypes, ConfigSource, type Consumer, type KafkaMessage } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../adapters/config.js';
import { stackStatus } from '../../stack/index.js';
import { useTestContext } from '../harness/index.js';
import { createTestLogger } from '../harness/log-sink.js';
import { waitFor } from '../harness/materializer.js';

/**
 * What the pipeline asks of the broker, asked of the one that runs: every admin call the project
 * makes, idempotent produce and transactions. It runs in the normal suite against Kafka 3.9 and in
 * `npm run test:kafka4` against Kafka 4, whose brokers dropped old protocol versions (KIP-896) that
 * a client such as kafkajs might still send.
 */
const ctx = useTestContext('kafka_release');
const config = loadConfig();

/** Reads `count` records of `topic` from the beginning with a consumer of its own group. */
async function readRecords(consumer: Consumer, topic: string, count: number): Promise<KafkaMessage[]> {
  const records: KafkaMessage[] = [];
  await consumer.subscribe({ topic, fromBeginning: true });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`read ${records.length} of ${count} records of ${topic} in 60 s`)), 60_000);
    void consumer.run({
      eachMessage: ({ message }) => {
        records.push(message);
        if (records.length >= count) {
          clearTimeout(timer);
          resolve();
        }
        return Promise.resolve();
      },
    });
  });
  return records;
}

describe('the running Kafka release', () => {
  it('is the release EVP_KAFKA_VERSION names, when the stack started it', async () => {
    const kafka = (await stackStatus(config, createTestLogger('silent'))).find((service) => service.name === 'kafka');
    expect(kafka?.state).toBe('up');
    // A Kafka given by KAFKA_BROKERS or found running says no release; one the stack started must be the configured one.
    const expected = kafka?.origin === 'stack' ? config.stack.kafkaVersion : undefined;
    expect(kafka?.details?.['version']).toBe(expected);
  });

  it('answers every admin call the project makes', async () => {
    const admin = ctx.kafka.admin();
    await admin.connect();
    try {
      const cluster = await admin.describeCluster();
      expect(cluster.brokers.length).toBeGreaterThan(0);
      expect(cluster.controller).not.toBeNull();

      const topic = `${ctx.topicPrefix}.admin`;
      await admin.createTopics({ topics: [{ topic, numPartitions: 2, replicationFactor: 1 }], waitForLeaders: true });
      expect(await admin.listTopics()).toContain(topic);
      const metadata = await admin.fetchTopicMetadata({ topics: [topic] });
      expect(metadata.topics[0]?.partitions.map((partition) => partition.partitionId).sort()).toEqual([0, 1]);

      // ensure-topics.ts aligns retention with describeConfigs and alterConfigs.
      await admin.alterConfigs({
        validateOnly: false,
        resources: [{ type: ConfigResourceTypes.TOPIC, name: topic, configEntries: [{ name: 'retention.ms', value: '3600000' }] }],
      });
      const described = await admin.describeConfigs({
        includeSynonyms: false,
        resources: [{ type: ConfigResourceTypes.TOPIC, name: topic }],
      });
      const retention = described.resources[0]?.configEntries.find((entry) => entry.configName === 'retention.ms');
      expect(retention).toMatchObject({ configValue: '3600000', configSource: ConfigSource.TOPIC_CONFIG });

      const producer = await ctx.createProducer();
      const before = Date.now();
      await producer.send({ topic, acks: -1, messages: [{ key: 'a', value: '1', partition: 0 }] });
      const offsets = await admin.fetchTopicOffsets(topic);
      expect(offsets.find((offset) => offset.partition === 0)).toMatchObject({ low: '0', high: '1' });
      const byTime = await admin.fetchTopicOffsetsByTimestamp(topic, before - 60_000);
      expect(byTime.find((offset) => offset.partition === 0)?.offset).toBe('0');

      // `evp tail` deletes its consumer group when it ends.
      const consumer = await ctx.createConsumer('admin');
      await readRecords(consumer, topic, 1);
      await consumer.disconnect();
      await admin.deleteGroups([ctx.groupId('admin')]);
      expect((await admin.listGroups()).groups.map((group) => group.groupId)).not.toContain(ctx.groupId('admin'));

      await admin.deleteTopics({ topics: [topic] });
      await waitFor(
        () => admin.listTopics(),
        (topics) => !topics.includes(topic),
        30_000,
        `${topic} to leave the topic list`,
      );
    } finally {
      await admin.disconnect();
    }
  });

  it('takes idempotent produce and keeps each record once, in order', async () => {
    const topic = await ctx.createTopic('idempotent');
    const producer = await ctx.createProducer({ idempotent: true, maxInFlightRequests: 1 });
    const values = Array.from({ length: 20 }, (_, index) => String(index));
    for (const value of values) await producer.send({ topic, acks: -1, messages: [{ key: 'k', value }] });
    const records = await readRecords(await ctx.createConsumer('idempotent'), topic, values.length);
    expect(records.map((record) => record.value?.toString())).toEqual(values);
    const admin = ctx.kafka.admin();
    await admin.connect();
    try {
      // No record was written twice: the log holds exactly the records sent.
      expect((await admin.fetchTopicOffsets(topic))[0]?.high).toBe(String(values.length));
    } finally {
      await admin.disconnect();
    }
  });

  it('commits and aborts transactions with their consumer offsets, and a read-committed consumer sees only the committed', async () => {
    const input = await ctx.createTopic('tx-input');
    const output = await ctx.createTopic('tx-output');
    const producer = await ctx.createProducer({ transactionalId: `${ctx.topicPrefix}.tx`, idempotent: true, maxInFlightRequests: 1 });
    const group = ctx.groupId('tx-source');

    const committed = await producer.transaction();
    await committed.send({ topic: output, messages: [{ key: 'k', value: 'committed' }] });
    await committed.sendOffsets({ consumerGroupId: group, topics: [{ topic: input, partitions: [{ partition: 0, offset: '5' }] }] });
    await committed.commit();

    const aborted = await producer.transaction();
    await aborted.send({ topic: output, messages: [{ key: 'k', value: 'aborted' }] });
    await aborted.sendOffsets({ consumerGroupId: group, topics: [{ topic: input, partitions: [{ partition: 0, offset: '9' }] }] });
    await aborted.abort();

    const last = await producer.transaction();
    await last.send({ topic: output, messages: [{ key: 'k', value: 'last' }] });
    await last.commit();

    const records = await readRecords(await ctx.createConsumer('tx-reader'), output, 2);
    expect(records.map((record) => record.value?.toString())).toEqual(['committed', 'last']);

    const admin = ctx.kafka.admin();
    await admin.connect();
    try {
      const [offsets] = await admin.fetchOffsets({ groupId: group, topics: [input] });
      expect(offsets?.partitions.find((partition) => partition.partition === 0)?.offset).toBe('5');
    } finally {
      await admin.disconnect();
    }
  });
});
