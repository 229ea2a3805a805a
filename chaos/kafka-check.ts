import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { createKafka } from '../adapters/kafka/index.js';
import type { Logger } from '../adapters/logger.js';
import type { Placed } from './load.js';

/** What Kafka holds where the broker said an acknowledged event went. */
export type KafkaFinding =
  /** The event is there: Kafka kept it, the consumers passed over it. */
  | 'there'
  /** Another record is at that offset: the log was truncated and written again (an unclean leader change). */
  | 'another record there'
  /** The offset was read past without a record at it. */
  | 'no record at that offset'
  /** The log ends before that offset now: Kafka lost the record. */
  | 'past the log end'
  /** Retention removed it already. */
  | 'before the log start'
  /** The acknowledgement gave no offset (-1): the producer's answer had no entry for the partition. */
  | 'acknowledged without an offset'
  /** The check ran out of time before it got there. */
  | 'not read';

/**
 * Looks in Kafka itself for events the store lacks: at the partition and offset each publish was
 * acknowledged with, is that event there (its `ce_id` header)? Tells a record Kafka lost after
 * acknowledging it from one the consumers passed over. Reads with a throwaway consumer group,
 * deleted afterwards.
 */
export async function findInKafka(
  brokers: readonly string[],
  missing: ReadonlyMap<string, Placed>,
  logger: Logger,
  timeoutMs = 30_000,
): Promise<Map<string, KafkaFinding>> {
  const findings = new Map<string, KafkaFinding>([...missing.keys()].map((id) => [id, 'not read']));
  if (missing.size === 0) return findings;
  const kafka = createKafka({ brokers, clientId: 'evp-chaos-check', logger, quiet: true });
  // topic:partition → offset → event id, for the events still to be looked at.
  const wanted = new Map<string, Map<string, string>>();
  for (const [id, placed] of missing)
    wanted.set(placed.partition, (wanted.get(placed.partition) ?? new Map<string, string>()).set(placed.offset, id));
  const topics = [...new Set([...wanted.keys()].map((slot) => slot.slice(0, slot.lastIndexOf(':'))))];

  const admin = kafka.admin();
  await admin.connect();
  try {
    for (const topic of topics) {
      for (const { partition, low, high } of await admin.fetchTopicOffsets(topic)) {
        const offsets = wanted.get(`${topic}:${partition}`);
        for (const [offset, id] of offsets ?? []) {
          const at = BigInt(offset);
          const finding =
            at < 0n
              ? 'acknowledged without an offset'
              : at >= BigInt(high)
                ? 'past the log end'
                : at < BigInt(low)
                  ? 'before the log start'
                  : undefined;
          if (finding === undefined) continue;
          findings.set(id, finding);
          offsets?.delete(offset);
        }
      }
    }
    for (const [slot, offsets] of wanted) if (offsets.size === 0) wanted.delete(slot);
    if (wanted.size > 0) await readAt(kafka, topics, wanted, findings, timeoutMs);
  } finally {
    await admin.disconnect();
  }
  return findings;
}

/** Reads the topics from the start until every wanted offset is passed, recording what is at each. */
async function readAt(
  kafka: ReturnType<typeof createKafka>,
  topics: readonly string[],
  wanted: Map<string, Map<string, string>>,
  findings: Map<string, KafkaFinding>,
  timeoutMs: number,
): Promise<void> {
  const groupId = `evp-chaos-check-${randomBytes(4).toString('hex')}`;
  const consumer = kafka.consumer({ groupId });
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: [...topics], fromBeginning: true });
    await consumer.run({
      eachMessage: ({ topic, partition, message }) => {
        const slot = `${topic}:${partition}`;
        const offsets = wanted.get(slot);
        if (!offsets) return Promise.resolve();
        const offset = BigInt(message.offset);
        for (const [wantedOffset, id] of offsets) {
          const at = BigInt(wantedOffset);
          if (at > offset) continue;
          // Offsets skipped on the way (control records, compaction) hold no record.
          findings.set(
            id,
            at < offset ? 'no record at that offset' : message.headers?.['ce_id']?.toString() === id ? 'there' : 'another record there',
          );
          offsets.delete(wantedOffset);
        }
        if (offsets.size === 0) wanted.delete(slot);
        return Promise.resolve();
      },
    });
    const deadline = Date.now() + timeoutMs;
    while (wanted.size > 0 && Date.now() < deadline) await sleep(200);
  } finally {
    await consumer.disconnect();
    const admin = kafka.admin();
    await admin
      .connect()
      .then(() => admin.deleteGroups([groupId]))
      .catch(() => undefined)
      .finally(() => admin.disconnect());
  }
}
