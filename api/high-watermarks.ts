import type { Admin } from '../adapters/kafka/index.js';
import { coerceError } from '../adapters/errors.js';
import { connectKafka, createKafka } from '../adapters/kafka/index.js';
import type { KafkaSecurity } from '../adapters/kafka/security.js';
import type { Logger } from '../adapters/logger.js';

/** The key of a partition in the map `read` answers. */
export const partitionKey = (topic: string, partition: number) => `${topic}:${partition}`;

export interface HighWatermarks {
  /**
   * The high watermark (the offset the next record will get) of each partition of `topics`, keyed
   * `topic:partition`. What Kafka did not answer within the time limit is missing, and `error`
   * says why; this never throws.
   */
  read(topics: readonly string[]): Promise<{ offsets: Map<string, bigint>; error?: string }>;
  /** Disconnects the admin client, if it was ever connected. */
  close(): Promise<void>;
}

export interface HighWatermarksOptions {
  readonly brokers: readonly string[];
  readonly security?: KafkaSecurity | undefined;
  readonly logger: Logger;
  /** How long a read waits for Kafka. @defaultValue 2000 ms */
  readonly timeoutMs?: number;
}

/**
 * Kafka's high watermarks for the consumer-lag view of the API. The admin client connects on the
 * first read (an API whose stats nobody asks for never talks to Kafka) and again after a failed
 * connection; a read waits at most `timeoutMs`, so a Kafka that is down costs the answer its
 * lag, not its time.
 */
export function createHighWatermarks(options: HighWatermarksOptions): HighWatermarks {
  const timeoutMs = options.timeoutMs ?? 2_000;
  const target = { brokers: options.brokers, security: options.security };
  // Few quick retries: the caller stops waiting after timeoutMs anyway.
  const kafka = createKafka({
    ...target,
    clientId: 'evp-api',
    logger: options.logger,
    connectionTimeoutMs: 1_000,
    retry: { initialRetryTime: 100, retries: 2, maxRetryTime: 1_000 },
  });
  let connecting: Promise<Admin> | undefined;
  let closed = false;

  const connected = (): Promise<Admin> => {
    connecting ??= (async () => {
      const admin = kafka.admin();
      await connectKafka(target, admin);
      return admin;
    })();
    // A failed connection is tried again by the next read.
    connecting.catch(() => (connecting = undefined));
    return connecting;
  };

  const fetchAll = async (topics: readonly string[]) => {
    if (closed) throw new Error('the API is stopping');
    const admin = await connected();
    const offsets = new Map<string, bigint>();
    const failures: string[] = [];
    const answers = await Promise.allSettled(topics.map(async (topic) => ({ topic, partitions: await admin.fetchTopicOffsets(topic) })));
    for (const [index, answer] of answers.entries()) {
      if (answer.status === 'rejected') {
        failures.push(`${topics[index]}: ${coerceError(answer.reason).message}`);
        continue;
      }
      for (const partition of answer.value.partitions) {
        offsets.set(partitionKey(answer.value.topic, partition.partition), BigInt(partition.high));
      }
    }
    return failures.length === 0 ? { offsets } : { offsets, error: `Kafka did not give the high watermarks of ${failures.join('; ')}` };
  };

  return {
    async read(topics) {
      if (topics.length === 0) return { offsets: new Map() };
      let timer: NodeJS.Timeout | undefined;
      const work = fetchAll(topics);
      const timeout = new Promise<{ offsets: Map<string, bigint>; error: string }>((resolve) => {
        timer = setTimeout(
          () => resolve({ offsets: new Map(), error: `Kafka at ${target.brokers.join(',')} did not answer within ${timeoutMs} ms` }),
          timeoutMs,
        );
      });
      try {
        return await Promise.race([
          work.catch((error: unknown) => ({ offsets: new Map<string, bigint>(), error: coerceError(error).message })),
          timeout,
        ]);
      } finally {
        clearTimeout(timer);
      }
    },

    async close() {
      closed = true;
      const pending = connecting;
      if (pending === undefined) return;
      const admin = await pending.catch(() => undefined);
      await admin?.disconnect().catch((error: unknown) => options.logger.debug({ err: error }, 'kafka admin disconnect failed'));
    },
  };
}
