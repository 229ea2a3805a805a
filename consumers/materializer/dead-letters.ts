import type { Admin } from '../../adapters/kafka/index.js';
import type { DeadLetter } from './records.js';

/**
 * The dead-letter topic keeps each record byte for byte (key, value, its own headers) and adds
 * headers saying why and where it came from, the way Kafka Connect's `errors.deadletterqueue`
 * does, so a fixed record can be produced back to its topic as is.
 */
export const deadLetterHeaderNames = {
  reason: 'evp.dlq.reason',
  code: 'evp.dlq.reason.code',
  topic: 'evp.dlq.original.topic',
  partition: 'evp.dlq.original.partition',
  offset: 'evp.dlq.original.offset',
  timestamp: 'evp.dlq.original.timestamp',
  group: 'evp.dlq.consumer.group',
} as const;

export function deadLetterHeaders(letter: DeadLetter, groupId: string): Record<string, string> {
  return {
    ...letter.headers,
    [deadLetterHeaderNames.reason]: letter.reason,
    [deadLetterHeaderNames.code]: letter.code,
    [deadLetterHeaderNames.topic]: letter.topic,
    [deadLetterHeaderNames.partition]: String(letter.partition),
    [deadLetterHeaderNames.offset]: letter.offset,
    [deadLetterHeaderNames.timestamp]: letter.timestamp,
    [deadLetterHeaderNames.group]: groupId,
  };
}

/** Creates the dead-letter topic when missing: one partition, replicated like the entity topics, kept 30 days. */
export async function ensureDeadLetterTopic(admin: Admin, topic: string): Promise<void> {
  if ((await admin.listTopics()).includes(topic)) return;
  const replicationFactor = Math.min(3, (await admin.describeCluster()).brokers.length);
  await admin
    .createTopics({
      topics: [{ topic, numPartitions: 1, replicationFactor, configEntries: [{ name: 'retention.ms', value: String(30 * 86_400_000) }] }],
      waitForLeaders: true,
    })
    .catch((error: unknown) => {
      // Another instance created it first.
      if ((error as { type?: string }).type !== 'TOPIC_ALREADY_EXISTS') throw error;
    });
}
