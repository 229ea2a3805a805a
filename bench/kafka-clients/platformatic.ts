import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { Consumer, ProduceAcks, Producer, type Message, type MessagesStream, type MessageToProduce } from '@platformatic/kafka';
import type { Compression } from './kafkajs.js';
import { produceInBatches } from './produce-batches.js';
import type { Measured } from './table.js';
import type { Workload } from './workload.js';

/**
 * @platformatic/kafka 2.x with its Buffer serializers (the records are bytes already), for
 * comparison only. The producer is asked for 5 requests in flight, as the Java producer's
 * default; the run reports what the client kept (2.x sets 1 whenever idempotence is on).
 */

type Record = MessageToProduce<Buffer, Buffer, Buffer, Buffer>;

function messagesOf(workload: Workload, topic: string, from: number, to: number): Record[] {
  const messages: Record[] = [];
  for (let i = from; i < to; i++) {
    const record = workload.record(i);
    const headers = new Map(record.headers.map(([name, value]) => [Buffer.from(name), value]));
    messages.push({ topic, key: record.key, value: record.value, headers });
  }
  return messages;
}

export async function produceWithPlatformatic(
  brokers: readonly string[],
  workload: Workload,
  topic: string,
  compression: Compression,
): Promise<Measured> {
  const options = {
    clientId: 'evp-bench-platformatic',
    bootstrapBrokers: [...brokers],
    idempotent: true,
    maxInflights: 5,
    autocreateTopics: false,
  };
  const producer = new Producer<Buffer, Buffer, Buffer, Buffer>(options);
  // The constructor writes what it enforces back into the options it was given.
  const maxInflights = options.maxInflights;
  try {
    return await produceInBatches(
      workload.spec,
      (from, to) => producer.send({ messages: messagesOf(workload, topic, from, to), acks: ProduceAcks.ALL, compression }),
      () => ({ maxInflightsAsked: 5, maxInflightsKept: maxInflights }),
    );
  } finally {
    await producer.close().catch(() => undefined);
  }
}

type Received = Message<Buffer, Buffer, Buffer, Buffer>;

/**
 * The stream's messages in batches: what arrived since the last batch was taken, the stream
 * paused while the caller works on a batch so its own buffer holds the rest. Flowing mode, not
 * `read()`: in paused mode 2.12.1's stream stopped fetching part-way through a 50,000-record topic
 * (the same offsets every run) and never resumed.
 */
function batchesOf(stream: MessagesStream<Buffer, Buffer, Buffer, Buffer>) {
  let pending: Received[] = [];
  let failure: Error | undefined;
  let wake: (() => void) | undefined;
  const notify = () => {
    const resume = wake;
    wake = undefined;
    resume?.();
  };
  stream.on('data', (message) => {
    pending.push(message);
    notify();
  });
  stream.on('error', (error) => {
    failure = error;
    notify();
  });
  return {
    /** The next batch, or an empty one if none arrived within `waitMs`. */
    async next(waitMs: number): Promise<Received[]> {
      stream.resume();
      if (pending.length === 0 && failure === undefined)
        await Promise.race([new Promise<void>((resolve) => (wake = resolve)), sleep(waitMs, undefined, { ref: false })]);
      if (failure !== undefined) throw failure;
      stream.pause();
      const batch = pending;
      pending = [];
      return batch;
    },
  };
}

/** `message.commit()` as a promise (its return type is the callback form's too); it commits the offset after the message's. */
function commit(message: Received): Promise<void> {
  return new Promise((resolve, reject) => {
    void message.commit((error) => (error ? reject(error) : resolve()));
  });
}

/**
 * Reads `records` records of `topic` from the start in a group of its own. The client hands out
 * a stream of messages, not batches: a batch here is one partition's share of what arrived since
 * the last were taken (a fetch's worth or more), as kafkajs's eachBatch is one partition's share of
 * a fetch; each is committed (`commit()` of its last message) after `workMs` of waiting when that
 * is above 0. Timed from the group join until the commit of
 * the batch that completes the count.
 */
export async function consumeWithPlatformatic(
  brokers: readonly string[],
  topic: string,
  groupId: string,
  records: number,
  workMs: number,
): Promise<Measured> {
  const consumer = new Consumer<Buffer, Buffer, Buffer, Buffer>({
    clientId: 'evp-bench-platformatic',
    bootstrapBrokers: [...brokers],
    groupId,
  });
  // The clock starts when the group is joined, as ConsumerPerformance's fetch time does.
  let joined: number | undefined;
  consumer.on('consumer:group:join', () => (joined ??= performance.now()));
  try {
    const stream = await consumer.consume({ topics: [topic], mode: 'earliest', autocommit: false });
    let first: number | undefined;
    let count = 0;
    let batches = 0;
    const timeoutMs = 60_000 + records;
    const deadline = performance.now() + timeoutMs;
    const batchStream = batchesOf(stream);
    try {
      while (count < records) {
        const left = deadline - performance.now();
        if (left <= 0) throw new Error(`${count} of ${records} records consumed within ${timeoutMs / 1000} s`);
        const arrived = await batchStream.next(left);
        if (arrived.length === 0) continue;
        first ??= performance.now();
        // A batch per partition, as kafkajs's eachBatch hands them out.
        const byPartition = new Map<number, Received[]>();
        for (const message of arrived) {
          const batch = byPartition.get(message.partition);
          if (batch) batch.push(message);
          else byPartition.set(message.partition, [message]);
        }
        for (const batch of byPartition.values()) {
          if (workMs > 0) await sleep(workMs);
          await commit(batch.at(-1) as Received);
          count += batch.length;
          batches++;
        }
      }
      return { records: count, elapsedMs: performance.now() - (joined ?? first ?? 0), detail: { batches } };
    } finally {
      await stream.close().catch(() => undefined);
    }
  } finally {
    await consumer.close().catch(() => undefined);
  }
}
