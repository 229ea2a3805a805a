import { createHash } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { Kafka, Producer } from '../../adapters/kafka/index.js';
import { createKafka } from '../../adapters/kafka/index.js';
import { plaintext, type KafkaSecurity } from '../../adapters/kafka/security.js';
import type { Logger } from '../../adapters/logger.js';
import { createBrokerGuard, type ConnectionGuard, type Refusal, type ResolveHost } from './guard.js';
import type { SendOutcome } from '../send-outcome.js';
import { describeKafkaFailure, unreachableCode, unverifiedCode } from './describe-failure.js';

export interface KafkaRequest {
  readonly brokers: readonly string[];
  readonly topic: string;
  /** How to reach the destination's cluster (its secrets opened). @defaultValue PLAINTEXT */
  readonly security?: KafkaSecurity | undefined;
  readonly timeoutMs: number;
  /** value = the event object as JSON, key = entity id, headers carry the delivery id. */
  readonly messages: readonly { readonly key: string; readonly value: string; readonly headers: Readonly<Record<string, string>> }[];
}

export interface KafkaSenderOptions {
  readonly logger: Logger;
  /** The pipeline's own brokers (KAFKA_BROKERS, or the local stack's): destinations may not reach them unless allowed. */
  readonly ownBrokers: readonly string[];
  /** How to authenticate to the own brokers. @defaultValue PLAINTEXT */
  readonly ownSecurity?: KafkaSecurity | undefined;
  /** DESTINATION_ALLOWED_KAFKA_BROKERS: `host:port` or `host`, reachable at internal addresses or on the pipeline's own cluster. */
  readonly allowedBrokers: readonly string[];
  /** TOPIC_PREFIX: `<prefix>.*` topics of the pipeline's own cluster are never written. */
  readonly topicPrefix: string;
  /** @defaultValue every address of the host, from the system resolver */
  readonly resolveHost?: ResolveHost;
  /** A producer unused this long is disconnected, in ms. @defaultValue 300,000 (5 min) */
  readonly idleMs?: number;
  /**
   * The pipeline's own cluster id (null: the cluster gives none), asked once and kept; asked again
   * by the next attempt when it fails. @defaultValue a short-lived admin client on `ownBrokers`
   */
  readonly learnOwnClusterId?: () => Promise<string | null>;
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
  /** The brokers, sorted and joined, and a digest of the security settings: one producer for each. */
  readonly key: string;
  /** The brokers as the delivery log names them. */
  readonly brokers: string;
  readonly guard: ConnectionGuard;
  readonly producer: Producer;
  /** The destination cluster's id (null: it gives none), learned before the first send through this producer. */
  readonly clusterId: Promise<string | null>;
  /** The producer's connect, started by the first send the cluster check passed. */
  connected?: Promise<void> | undefined;
  inFlight: number;
  /** Out of the cache; disconnected once its last send settles. */
  retired: boolean;
  idleTimer?: NodeJS.Timeout | undefined;
  disconnecting?: Promise<void> | undefined;
}

class SendTimeoutError extends Error {}
/** The sender closed while an attempt waited for its cluster's id. */
class ProducerClosedError extends Error {}

/** For promises observed later (by `send`): a rejection meanwhile is not an unhandled one. */
const ignore = (): undefined => undefined;

/** How long `close` waits for producers to disconnect, in ms. */
const closeGraceMs = 5_000;
const clientId = 'event-pipeline-streamer';
/** Few retries: a dead cluster fails the attempt quickly, and the delivery schedule retries it. */
const retry = { initialRetryTime: 100, retries: 2, maxRetryTime: 1_000 };

/**
 * Sends to Kafka destinations: one producer per broker list and security settings (a producer
 * authenticated as one tenant's user is never another's), connected on first use and kept
 * while it is used. A producer whose send fails leaves the cache, so the next attempt starts from
 * a fresh connection.
 *
 * A destination's cluster is the tenant's, so is what it answers: before connecting, and at every
 * connection, the brokers are held to the broker policy (kafka-guard.ts). Addresses do not show
 * another listener of the pipeline's own cluster, so before the first send through a producer the
 * cluster's id is learned (an admin client over the same guarded connections) and compared with
 * the pipeline's own, learned once from `ownBrokers`: the same id is the pipeline's own cluster,
 * whatever the address. An attempt that cannot learn the pipeline's own id sends nothing
 * (`kafka_cluster_unverified`, retried). A cluster that cannot be reached is reported in the same
 * words however it failed (refused, closed, reset, silent), so the delivery log does not tell an
 * open port from a closed one; the details go to the debug log. A cluster that answered and
 * refused the destination's security settings (a password, a certificate) is told by the setting
 * to fix (`kafka_authentication_failed`, `kafka_tls_failed`), never quoting a secret.
 */
export function createKafkaSender(options: KafkaSenderOptions): KafkaSender {
  const idleMs = options.idleMs ?? 300_000;
  const logger = options.logger.child({ component: 'kafka-sender' });
  const brokerGuard = createBrokerGuard(
    { ownBrokers: options.ownBrokers, allowedBrokers: options.allowedBrokers, topicPrefix: options.topicPrefix },
    options.resolveHost,
  );
  const producers = new Map<string, CachedProducer>();
  let ownClusterId: Promise<string> | undefined;
  /** Every producer not yet disconnected: the cached ones and retired ones still sending. */
  const live = new Set<CachedProducer>();
  let closed = false;

  function acquire(brokers: readonly string[], security: KafkaSecurity, own: boolean): CachedProducer {
    const sorted = [...brokers].sort().join(',');
    const key = `${sorted}#${securityDigest(security)}`;
    const cached = producers.get(key);
    if (cached) {
      cached.guard.own = own;
      return cached;
    }
    const guard: ConnectionGuard = { own };
    const kafka = createKafka({
      brokers,
      security,
      clientId,
      logger,
      retry,
      socketFactory: brokerGuard.socketFactory(guard),
      // A tenant's cluster failing is the tenant's to read in the delivery log, not warnings in the operator's.
      quiet: true,
    });
    // A destination's topic must exist: a typo should fail the attempt, not create a topic.
    const producer = kafka.producer({ allowAutoTopicCreation: false, idempotent: false });
    const entry: CachedProducer = { key, brokers: sorted, guard, producer, clusterId: learnClusterId(kafka), inFlight: 0, retired: false };
    entry.clusterId.catch(ignore);
    producers.set(key, entry);
    live.add(entry);
    logger.debug({ brokers: sorted }, 'kafka destination producer created');
    return entry;
  }

  function retire(entry: CachedProducer): void {
    if (producers.get(entry.key) === entry) producers.delete(entry.key);
    entry.retired = true;
    clearTimeout(entry.idleTimer);
    if (entry.inFlight === 0) void disconnect(entry);
  }

  /**
   * The pipeline's own cluster id, learned once; a failure is not kept, so the next attempt asks
   * again. Its own cluster always gives one (Kafka 0.10.1 and later): none is a failure too.
   */
  function learnOwn(): Promise<string> {
    if (ownClusterId !== undefined) return ownClusterId;
    const asked =
      options.learnOwnClusterId ??
      (() => learnClusterId(createKafka({ brokers: options.ownBrokers, security: options.ownSecurity, clientId, logger, retry })));
    const learning = asked().then((id) => {
      if (id === null) throw new Error(`the pipeline's own Kafka cluster at ${options.ownBrokers.join(',')} gave no cluster id`);
      return id;
    });
    ownClusterId = learning;
    learning.catch((error: unknown) => {
      if (ownClusterId === learning) ownClusterId = undefined;
      logger.warn(
        { brokers: options.ownBrokers.join(','), err: error },
        "pipeline's own kafka cluster id not learned; kafka deliveries wait for it",
      );
    });
    return learning;
  }

  /** Connects the producer once; not after its disconnect began, which a connect would outlive. */
  function connect(entry: CachedProducer): Promise<void> {
    if (entry.disconnecting !== undefined) return Promise.reject(new ProducerClosedError());
    entry.connected ??= entry.producer.connect();
    entry.connected.catch(ignore);
    return entry.connected;
  }

  /**
   * Disconnects once. kafkajs's `disconnect` during a `connect` does not stop the connect's
   * retries, which can then leave a connection open behind it: wait for the connects (the
   * admin's that learns the cluster id, the producer's) to settle first.
   */
  function disconnect(entry: CachedProducer): Promise<void> {
    entry.disconnecting ??= (async () => {
      try {
        await entry.clusterId.catch(ignore);
        await entry.connected?.catch(ignore);
        await entry.producer.disconnect();
        logger.debug({ brokers: entry.brokers }, 'kafka destination producer disconnected');
      } catch (error) {
        logger.warn({ brokers: entry.brokers, err: error }, 'kafka destination producer did not disconnect cleanly');
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
    const checked = await brokerGuard.check(request.brokers, request.topic);
    if ('refusal' in checked) {
      return { result: { kind: 'error', code: checked.refusal.code }, durationMs: elapsed(), error: checked.refusal.message };
    }
    // Closed while the names were resolved: no producer may be made after `close`.
    if (closed) return { result: { kind: 'error', code: 'sender_closed' }, durationMs: elapsed(), error: 'the Kafka sender is closed' };

    const security = request.security ?? plaintext;
    const entry = acquire(request.brokers, security, checked.own);
    entry.inFlight += 1;
    clearTimeout(entry.idleTimer);
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => reject(new SendTimeoutError()), request.timeoutMs);
    });
    const own = learnOwn();
    own.catch(ignore);
    /** Where the attempt is: a failure while waiting for the pipeline's own id is not the destination's. */
    const progress: { step: 'destination' | 'own' | 'send' } = { step: 'destination' };
    try {
      const attempt = (async (): Promise<Refusal | undefined> => {
        const clusterId = await entry.clusterId;
        progress.step = 'own';
        const ownId = await own;
        progress.step = 'send';
        const refusal = brokerGuard.checkCluster(request.brokers, request.topic, clusterId, ownId);
        if (refusal !== undefined) return refusal;
        await connect(entry);
        await entry.producer.send({
          topic: request.topic,
          acks: -1,
          timeout: request.timeoutMs,
          messages: request.messages.map((message) => ({ key: message.key, value: message.value, headers: { ...message.headers } })),
        });
        return undefined;
      })();
      attempt.catch(ignore);
      const refusal = await Promise.race([attempt, deadline]);
      if (refusal !== undefined) return { result: { kind: 'error', code: refusal.code }, durationMs: elapsed(), error: refusal.message };
      // Kafka has no status code: an acknowledged write counts as a 2xx for the delivery verdict.
      return { result: { kind: 'response', status: 200 }, durationMs: elapsed() };
    } catch (error) {
      if (progress.step === 'own') {
        // Fail closed: without the pipeline's own id, the destination could be its own cluster. The producer stays.
        return {
          result: { kind: 'error', code: unverifiedCode },
          durationMs: elapsed(),
          error: `the pipeline could not tell whether the Kafka cluster at ${entry.brokers} is its own, so nothing was sent; the attempt is retried`,
        };
      }
      if (error instanceof ProducerClosedError)
        return { result: { kind: 'error', code: 'sender_closed' }, durationMs: elapsed(), error: 'the Kafka sender is closed' };
      retire(entry);
      const refusal = entry.guard.refusal;
      if (refusal !== undefined) return { result: { kind: 'error', code: refusal.code }, durationMs: elapsed(), error: refusal.message };
      const failure = describeKafkaFailure(error, entry.brokers, request.topic, request.timeoutMs, security);
      if (failure.code === unreachableCode) {
        logger.debug({ brokers: entry.brokers, topic: request.topic, err: error }, 'kafka destination unreachable');
      }
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
    const all = Promise.all([...[...live].map((entry) => disconnect(entry)), ownClusterId?.catch(ignore)]);
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

/** Tells security settings apart without keeping them: the same settings give the same digest. */
function securityDigest(security: KafkaSecurity): string {
  const { protocol, tls, sasl } = security;
  const parts = [protocol, tls?.ca, tls?.cert, tls?.key, tls?.verifyHostname, sasl?.mechanism];
  if (sasl !== undefined && sasl.mechanism !== 'OAUTHBEARER') parts.push(sasl.username, sasl.password);
  return createHash('sha256').update(JSON.stringify(parts)).digest('hex').slice(0, 16);
}

/**
 * A cluster's id with a short-lived admin client: Kafka's Metadata answer carries it (KIP-78);
 * null when the cluster gives none. The admin disconnects once its connect has settled.
 */
async function learnClusterId(kafka: Kafka): Promise<string | null> {
  const admin = kafka.admin();
  try {
    await admin.connect();
    const { clusterId } = await admin.describeCluster();
    return typeof clusterId === 'string' && clusterId !== '' ? clusterId : null;
  } finally {
    await admin.disconnect().catch(ignore);
  }
}
