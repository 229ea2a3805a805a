import { performance } from 'node:perf_hooks';
import type { Producer } from 'kafkajs';
import { createKafka } from '../../../adapters/kafka.js';
import type { Logger } from '../../../adapters/logger.js';
import type { KafkaRequest, SendOutcome } from './types.js';

/*
 * Kafka destinations are an operator-level feature: their brokers are not checked against the
 * internal address rules that guard webhooks (core/network-address.ts), since reaching a Kafka
 * cluster on the private network is the usual reason to have one.
 */

export interface KafkaSenderOptions {
  readonly logger: Logger;
  /** A producer unused this long is disconnected, in ms. @defaultValue 300,000 (5 min) */
  readonly idleMs?: number;
}

export interface KafkaSender {
  /** One attempt; never rejects: every failure is an outcome. */
  send(request: KafkaRequest): Promise<SendOutcome>;
  /** Disconnects every producer. */
  close(): Promise<void>;
  /** Producers connected or connecting, idle ones included (for tests and metrics). */
  openProducers(): number;
}

interface CachedProducer {
  readonly key: string;
  readonly producer: Producer;
  readonly connected: Promise<void>;
  inFlight: number;
  /** Out of the cache; disconnected once its last send settles. */
  retired: boolean;
  idleTimer?: NodeJS.Timeout | undefined;
  disconnecting?: Promise<void> | undefined;
}

class SendTimeoutError extends Error {}

/** How long `close` waits for producers to disconnect, in ms. */
const closeGraceMs = 5_000;

/**
 * Sends to Kafka destinations: one producer per broker list, connected on first use and kept
 * while it is used. A producer whose send fails leaves the cache, so the next attempt starts from
 * a fresh connection.
 */
export function createKafkaSender(options: KafkaSenderOptions): KafkaSender {
  const idleMs = options.idleMs ?? 300_000;
  const logger = options.logger.child({ component: 'kafka-sender' });
  const producers = new Map<string, CachedProducer>();
  /** Every producer not yet disconnected: the cached ones and retired ones still sending. */
  const live = new Set<CachedProducer>();
  let closed = false;

  function acquire(brokers: readonly string[]): CachedProducer {
    const key = [...brokers].sort().join(',');
    const cached = producers.get(key);
    if (cached) return cached;
    const kafka = createKafka({
      brokers,
      clientId: 'event-pipeline-streamer',
      logger,
      // Few retries: a dead cluster fails the attempt quickly, and the delivery schedule retries it.
      retry: { initialRetryTime: 100, retries: 2, maxRetryTime: 1_000 },
    });
    // A destination's topic must exist: a typo should fail the attempt, not create a topic.
    const producer = kafka.producer({ allowAutoTopicCreation: false, idempotent: false });
    const entry: CachedProducer = { key, producer, connected: producer.connect(), inFlight: 0, retired: false };
    // Observed by `send`; this keeps a failed connect from being an unhandled rejection meanwhile.
    entry.connected.catch(() => undefined);
    producers.set(key, entry);
    live.add(entry);
    logger.debug({ brokers: key }, 'kafka destination producer created');
    return entry;
  }

  function retire(entry: CachedProducer): void {
    if (producers.get(entry.key) === entry) producers.delete(entry.key);
    entry.retired = true;
    clearTimeout(entry.idleTimer);
    if (entry.inFlight === 0) void disconnect(entry);
  }

  /**
   * Disconnects once. kafkajs's `disconnect` during a `connect` does not stop the connect's
   * retries, which can then leave a connection open behind it: wait for the connect to settle first.
   */
  function disconnect(entry: CachedProducer): Promise<void> {
    entry.disconnecting ??= (async () => {
      try {
        await entry.connected.catch(() => undefined);
        await entry.producer.disconnect();
        logger.debug({ brokers: entry.key }, 'kafka destination producer disconnected');
      } catch (error) {
        logger.warn({ brokers: entry.key, err: error }, 'kafka destination producer did not disconnect cleanly');
      } finally {
        live.delete(entry);
      }
    })();
    return entry.disconnecting;
  }

  function release(entry: CachedProducer): void {
    entry.inFlight -= 1;
    if (entry.inFlight > 0) return;
    if (entry.retired) {
      void disconnect(entry);
      return;
    }
    clearTimeout(entry.idleTimer);
    entry.idleTimer = setTimeout(() => retire(entry), idleMs);
    entry.idleTimer.unref();
  }

  async function send(request: KafkaRequest): Promise<SendOutcome> {
    const started = performance.now();
    const elapsed = (): number => Math.round(performance.now() - started);
    if (closed) return { result: { kind: 'error', code: 'sender_closed' }, durationMs: 0, error: 'the Kafka sender is closed' };

    const entry = acquire(request.brokers);
    entry.inFlight += 1;
    clearTimeout(entry.idleTimer);
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => reject(new SendTimeoutError()), request.timeoutMs);
    });
    try {
      const attempt = entry.connected.then(() =>
        entry.producer.send({
          topic: request.topic,
          acks: -1,
          timeout: request.timeoutMs,
          messages: request.messages.map((message) => ({ key: message.key, value: message.value, headers: { ...message.headers } })),
        }),
      );
      attempt.catch(() => undefined);
      await Promise.race([attempt, deadline]);
      // Kafka has no status code: an acknowledged write counts as a 2xx for the delivery verdict.
      return { result: { kind: 'response', status: 200 }, durationMs: elapsed() };
    } catch (error) {
      retire(entry);
      if (error instanceof SendTimeoutError) {
        return {
          result: { kind: 'timeout' },
          durationMs: elapsed(),
          error: `no acknowledgement from Kafka at ${entry.key} for topic ${request.topic} within ${request.timeoutMs} ms`,
        };
      }
      const failure = describeKafkaFailure(error, entry.key, request.topic);
      return { result: { kind: 'error', code: failure.code }, durationMs: elapsed(), error: failure.message };
    } finally {
      clearTimeout(timer);
      release(entry);
    }
  }

  async function close(): Promise<void> {
    closed = true;
    producers.clear();
    for (const entry of live) {
      entry.retired = true;
      clearTimeout(entry.idleTimer);
    }
    const all = Promise.all([...live].map((entry) => disconnect(entry)));
    let timer: NodeJS.Timeout | undefined;
    const grace = new Promise<'late'>((resolve) => {
      timer = setTimeout(() => resolve('late'), closeGraceMs);
    });
    if ((await Promise.race([all, grace])) === 'late') {
      // A broker that accepts connections and never answers holds a connect for kafkajs's request timeout (30 s).
      logger.warn({ producers: live.size }, 'kafka destination producers still connecting; they disconnect when their connect gives up');
    }
    clearTimeout(timer);
  }

  return { send, close, openProducers: () => live.size };
}

interface KafkaJsErrorShape {
  name?: unknown;
  message?: unknown;
  type?: unknown;
  cause?: unknown;
  originalError?: unknown;
}

/**
 * A kafkajs failure as a code (the kafkajs error name, or the protocol error type such as
 * UNKNOWN_TOPIC_OR_PARTITION) and words an operator can act on. kafkajs wraps what it retried in
 * KafkaJSNumberOfRetriesExceeded; the cause inside says what went wrong.
 */
export function describeKafkaFailure(thrown: unknown, brokers: string, topic: string): { code: string; message: string } {
  let error = (thrown ?? {}) as KafkaJsErrorShape;
  for (let depth = 0; depth < 5; depth += 1) {
    const inner = (error.originalError ?? error.cause) as KafkaJsErrorShape | undefined;
    if (error.name !== 'KafkaJSNumberOfRetriesExceeded' || inner === undefined) break;
    error = inner;
  }
  const name = typeof error.name === 'string' && error.name.startsWith('KafkaJS') ? error.name : undefined;
  const type = typeof error.type === 'string' ? error.type : undefined;
  const text = typeof error.message === 'string' && error.message !== '' ? error.message : String(thrown);
  if (type === 'UNKNOWN_TOPIC_OR_PARTITION') {
    return { code: type, message: `topic ${topic} does not exist on Kafka at ${brokers}; create it or fix the destination's topic` };
  }
  if (name === 'KafkaJSConnectionError' || name === 'KafkaJSNonRetriableError' || /ECONNREFUSED|ENOTFOUND|Connection/i.test(text)) {
    return {
      code: name ?? 'kafka_error',
      message: `Kafka at ${brokers} is unreachable (${text}); check the destination's brokers and that the cluster is up`,
    };
  }
  return { code: type ?? name ?? 'kafka_error', message: `sending to topic ${topic} on Kafka at ${brokers} failed: ${text}` };
}
