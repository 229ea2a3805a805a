import { lookup as dnsLookup } from 'node:dns/promises';
import { isIP, Socket } from 'node:net';
import { connect as connectTls } from 'node:tls';
import type { ISocketFactory } from '../../adapters/kafka/index.js';
import { checkKafkaSettings } from '../../core/destination-rules.js';
import { judgeKafkaBroker, judgeKafkaCluster, parseBroker, type KafkaBrokerPolicy } from '../../core/kafka-broker-rules.js';

/** Resolves a host name to every address it has. */
export type ResolveHost = (host: string) => Promise<string[]>;

/** Why an attempt was refused before anything was sent: the API's words, for the delivery log. */
export interface Refusal {
  readonly code: 'destination_refused';
  readonly message: string;
}

/** What one producer's connections are held to; `refusal` keeps the last connection refused. */
export interface ConnectionGuard {
  /** The destination's brokers are the pipeline's own cluster, allowed by DESTINATION_ALLOWED_KAFKA_BROKERS. */
  own: boolean;
  refusal?: Refusal | undefined;
}

export interface BrokerGuard {
  /**
   * The rules the API applied when the destination was saved, applied again before connecting:
   * the row may predate them, the operator's settings may have changed, names may resolve
   * elsewhere now. `own` says whether the brokers are the pipeline's own cluster.
   */
  check(brokers: readonly string[], topic: string): Promise<{ readonly refusal: Refusal } | { readonly own: boolean }>;
  /**
   * A kafkajs socketFactory that checks every connection the client opens, the brokers the
   * cluster advertises in its metadata included, against the addresses connected to then.
   */
  socketFactory(guard: ConnectionGuard): ISocketFactory;
  /**
   * The rules again, by cluster id once the destination's cluster has given its own: another
   * listener of the pipeline's own cluster passes `check` (its address is not one of
   * KAFKA_BROKERS) but gives the pipeline's own cluster id.
   */
  checkCluster(brokers: readonly string[], topic: string, clusterId: string | null, ownClusterId: string): Refusal | undefined;
}

/** How long a name resolved for `check` is kept; connections always resolve afresh. */
const resolvedTtlMs = 30_000;
/** kafkajs's keep-alive on its sockets, kept. */
const keepAliveMs = 60_000;

/**
 * Holds Kafka destinations to the broker policy (core/kafka-broker-rules.ts), at send time and at
 * every connection, like the webhook sender's connector: a broker that passed the API's check and
 * now resolves to an internal address, or a cluster whose metadata names internal brokers or the
 * pipeline's own, is refused before a byte is sent to it.
 */
export function createBrokerGuard(policy: KafkaBrokerPolicy, resolveHost: ResolveHost = resolveAll): BrokerGuard {
  const cache = new Map<string, { readonly addresses: readonly string[]; readonly until: number }>();

  const resolveCached = async (host: string): Promise<readonly string[] | undefined> => {
    const now = Date.now();
    const kept = cache.get(host);
    if (kept && kept.until > now) return kept.addresses;
    try {
      const addresses = await resolveHost(host);
      if (cache.size > 1_000) for (const [name, entry] of cache) if (entry.until <= now) cache.delete(name);
      cache.set(host, { addresses, until: now + resolvedTtlMs });
      return addresses;
    } catch {
      // Not resolvable now: the connection fails on its own, and is reported as unreachable.
      return undefined;
    }
  };

  /** What the hosts (and the pipeline's own brokers) resolve to; IP literals need no entry. */
  const resolveHosts = async (hosts: readonly string[], fresh: boolean): Promise<Map<string, readonly string[]>> => {
    const names = [...new Set([...hosts, ...policy.ownBrokers.map((broker) => parseBroker(broker)?.host ?? '')])].filter(
      (host) => host !== '' && isIP(host) === 0,
    );
    const resolved = new Map<string, readonly string[]>();
    await Promise.all(
      names.map(async (host) => {
        const addresses = fresh ? await resolveHost(host).catch(() => undefined) : await resolveCached(host);
        if (addresses !== undefined) resolved.set(host, addresses);
      }),
    );
    return resolved;
  };

  async function check(brokers: readonly string[], topic: string): Promise<{ refusal: Refusal } | { own: boolean }> {
    const hosts = brokers.map((broker) => parseBroker(broker)?.host ?? '');
    const resolved = await resolveHosts(hosts, false);
    const problem = checkKafkaSettings({ brokers, topic }, policy, resolved)[0];
    if (problem) return { refusal: { code: 'destination_refused', message: `${problem.message}; nothing was sent` } };
    const own = brokers.some((broker) => {
      const parsed = parseBroker(broker);
      const verdict = parsed && judgeKafkaBroker(parsed.host, parsed.port, policy, resolved);
      return verdict?.allowed === true && verdict.own;
    });
    return { own };
  }

  /** The address to connect host:port to, once every address it resolves to passed; throws a refusal otherwise. */
  async function vet(host: string, port: number, guard: ConnectionGuard): Promise<string> {
    const name = host.toLowerCase();
    const resolved = await resolveHosts([name], true);
    const addresses = isIP(name) === 0 ? resolved.get(name) : [name];
    const first = addresses?.[0];
    if (first === undefined) throw Object.assign(new Error(`${host} does not resolve`), { code: 'ENOTFOUND' });
    const verdict = judgeKafkaBroker(name, port, policy, resolved);
    let reason: string | undefined;
    let hint = '. The operator must list the broker in DESTINATION_ALLOWED_KAFKA_BROKERS to allow it';
    if (!verdict.allowed && verdict.reason === 'own_cluster') reason = "is a broker of the pipeline's own Kafka cluster";
    else if (!verdict.allowed)
      reason = `${isIP(name) === 0 ? 'resolves to' : 'is'} an internal address (loopback, private, link-local or reserved)`;
    else if (verdict.own && !guard.own) {
      // The pipeline's own brokers are reached only by a destination that names them, never through another cluster's metadata.
      reason = "is a broker of the pipeline's own Kafka cluster, which this destination does not name";
      hint = '';
    }
    if (reason !== undefined) {
      guard.refusal = {
        code: 'destination_refused',
        message: `the Kafka cluster's broker ${host}:${port} ${reason}; the connection was refused and nothing was sent${hint}`,
      };
      throw Object.assign(new Error(guard.refusal.message), { code: guard.refusal.code });
    }
    return first;
  }

  function socketFactory(guard: ConnectionGuard): ISocketFactory {
    return ({ host, port, ssl, onConnect }) => {
      const plain = new Socket();
      plain.setKeepAlive(true, keepAliveMs);
      // TLS runs over the same guarded socket: the handshake starts once the vetted address is
      // connected, and the certificate is checked against the broker's name, not that address.
      const socket = ssl
        ? connectTls(
            { ...(typeof ssl === 'object' ? ssl : {}), socket: plain, host, ...(isIP(host) === 0 ? { servername: host } : {}) },
            onConnect,
          )
        : plain;
      // kafkajs listens for `error` once this returns; the check takes at least a tick, so none is missed.
      vet(host, port, guard).then(
        (address) => {
          // kafkajs gave up meanwhile (its connection timeout): nothing to connect for.
          if (socket.destroyed || socket.writableEnded) {
            socket.destroy();
            plain.destroy();
          } else plain.connect({ host: address, port }, ssl ? undefined : onConnect);
        },
        (error: unknown) => {
          socket.destroy(error as Error);
          plain.destroy();
        },
      );
      return socket;
    };
  }

  function checkCluster(brokers: readonly string[], topic: string, clusterId: string | null, ownClusterId: string): Refusal | undefined {
    const verdict = judgeKafkaCluster({ brokers, topic, clusterId }, ownClusterId, policy);
    if (verdict.allowed) return undefined;
    const cluster = `the Kafka cluster at ${brokers.join(',')} is the pipeline's own Kafka cluster (the same cluster id)`;
    let message: string;
    if (verdict.reason === 'own_cluster')
      message = `${cluster}; nothing was sent. The operator must list its brokers in DESTINATION_ALLOWED_KAFKA_BROKERS to allow it`;
    else if (verdict.reason === 'own_topic')
      message = `${topic} is one of the pipeline's own topics (${policy.topicPrefix}.*) and ${cluster}; nothing was sent. Choose a topic outside them`;
    else message = `${topic} is one of Kafka's internal topics (__…); nothing was sent. Choose another topic`;
    return { code: 'destination_refused', message };
  }

  return { check, socketFactory, checkCluster };
}

async function resolveAll(host: string): Promise<string[]> {
  return (await dnsLookup(host, { all: true })).map((entry) => entry.address);
}
