import { performance } from 'node:perf_hooks';
import { Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { CompressionTypes, Partitioners, type Message } from 'kafkajs';
import { createKafka } from '../../adapters/kafka/index.js';
import { createLogger } from '../../adapters/logger.js';
import { produceInBatches } from './produce-batches.js';
import type { Measured } from './table.js';
import { maxOverlap, type Workload } from './workload.js';

/**
 * The project's client: kafkajs 2.2.4 as adapters/kafka.ts builds it. Its idempotent producer is
 * left at kafkajs's own `maxInFlightRequests` (unlimited), so the requests in flight that the run
 * reports are what kafkajs itself allows (the publisher sets 1).
 */

export type Compression = 'none' | 'gzip';

/** kafkajs's warnings (the retries it logs), counted by their error text instead of printed. */
function createTally() {
  const counts = new Map<string, number>();
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (line.trim() === '') continue;
        const entry = JSON.parse(line) as { msg?: string; error?: string };
        const text = entry.error ?? entry.msg ?? 'unknown';
        counts.set(text, (counts.get(text) ?? 0) + 1);
      }
      done();
    },
  });
  const logger = createLogger('silent', { service: 'bench' }, { copyTo: { stream, level: 'warn' } });
  return { logger, counts: () => Object.fromEntries(counts) };
}

function kafkaFor(brokers: readonly string[], clientId: string) {
  const tally = createTally();
  return { kafka: createKafka({ brokers, clientId, logger: tally.logger }), warnings: tally.counts };
}

function messagesOf(workload: Workload, from: number, to: number): Message[] {
  const messages: Message[] = [];
  for (let i = from; i < to; i++) {
    const record = workload.record(i);
    messages.push({ key: record.key, value: record.value, headers: Object.fromEntries(record.headers) });
  }
  return messages;
}

export async function produceWithKafkajs(
  brokers: readonly string[],
  workload: Workload,
  topic: string,
  compression: Compression,
): Promise<Measured> {
  const { kafka, warnings } = kafkaFor(brokers, 'evp-bench-kafkajs');
  const producer = kafka.producer({ idempotent: true, allowAutoTopicCreation: false, createPartitioner: Partitioners.DefaultPartitioner });
  const requests = new Map<string, [number, number][]>();
  producer.on(producer.events.REQUEST, ({ payload }) => {
    if (payload.apiName !== 'Produce') return;
    const spans = requests.get(payload.broker) ?? [];
    spans.push([payload.sentAt, payload.sentAt + payload.duration]);
    requests.set(payload.broker, spans);
  });
  await producer.connect();
  try {
    return await produceInBatches(
      workload.spec,
      (from, to) =>
        producer.send({
          topic,
          acks: -1,
          compression: compression === 'gzip' ? CompressionTypes.GZIP : CompressionTypes.None,
          messages: messagesOf(workload, from, to),
        }),
      () => ({
        produceRequests: [...requests.values()].reduce((sum, spans) => sum + spans.length, 0),
        maxProduceRequestsInFlightPerBroker: Math.max(0, ...[...requests.values()].map((spans) => maxOverlap(spans))),
        warnings: warnings(),
      }),
    );
  } finally {
    await producer.disconnect().catch(() => undefined);
  }
}

/**
 * Reads `records` records of `topic` from the start in a group of its own, `eachBatch` with one
 * commit per batch (autoCommit off), waiting `workMs` per batch first when it is above 0. Timed
 * from the group join until the commit of the batch that completes the count.
 */
export async function consumeWithKafkajs(
  brokers: readonly string[],
  topic: string,
  groupId: string,
  records: number,
  workMs: number,
): Promise<Measured> {
  const { kafka, warnings } = kafkaFor(brokers, 'evp-bench-kafkajs');
  const consumer = kafka.consumer({ groupId, allowAutoTopicCreation: false });
  // The clock starts when the group is joined, as ConsumerPerformance's fetch time does.
  let joined: number | undefined;
  consumer.on(consumer.events.GROUP_JOIN, () => (joined ??= performance.now()));
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    let first: number | undefined;
    let count = 0;
    let batches = 0;
    const finished = new Promise<number>((resolve, reject) => {
      consumer
        .run({
          autoCommit: false,
          eachBatch: async ({ batch }) => {
            const last = batch.messages.at(-1);
            if (last === undefined) return;
            first ??= performance.now();
            if (workMs > 0) await sleep(workMs);
            await consumer.commitOffsets([
              { topic: batch.topic, partition: batch.partition, offset: (BigInt(last.offset) + 1n).toString() },
            ]);
            count += batch.messages.length;
            batches++;
            if (count >= records) resolve(performance.now());
          },
        })
        .catch(reject);
    });
    const timeoutMs = 60_000 + records;
    const ended = await Promise.race([finished, sleep(timeoutMs, undefined, { ref: false })]);
    if (ended === undefined || first === undefined) throw new Error(`${count} of ${records} records consumed within ${timeoutMs / 1000} s`);
    return { records: count, elapsedMs: ended - (joined ?? first), detail: { batches, warnings: warnings() } };
  } finally {
    await consumer.disconnect().catch(() => undefined);
  }
}
