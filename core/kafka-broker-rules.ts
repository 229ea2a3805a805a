import { isIP } from 'node:net';
import { isInternalAddress } from './network-address.js';

/**
 * Which Kafka brokers a destination may write to, decided purely: the caller resolves host names.
 * A tenant's Kafka destination must not reach the pipeline's own cluster (it would write into the
 * pipeline's topics) nor internal addresses (it would probe the operator's network), unless the
 * operator lists the broker in DESTINATION_ALLOWED_KAFKA_BROKERS. DESTINATION_ALLOWED_HOSTS does
 * not apply here: it widens what webhooks reach, and `evp start` adds 127.0.0.1 to it for its demo.
 */
export interface KafkaBrokerPolicy {
  /** The pipeline's own brokers, host:port (KAFKA_BROKERS, or the local stack's when unset). */
  readonly ownBrokers: readonly string[];
  /** DESTINATION_ALLOWED_KAFKA_BROKERS: `host:port` or `host` (any port). */
  readonly allowedBrokers: readonly string[];
  /** TOPIC_PREFIX: the pipeline's topics are `<prefix>.<…>`. */
  readonly topicPrefix: string;
}

/** What host names resolve to, by lower-case host; an IP literal needs no entry. */
export type ResolvedHosts = ReadonlyMap<string, readonly string[]>;

export type BrokerVerdict =
  | {
      readonly allowed: true;
      /** The broker is the pipeline's own (allowed by DESTINATION_ALLOWED_KAFKA_BROKERS). */ readonly own: boolean;
    }
  | { readonly allowed: false; readonly reason: 'own_cluster' }
  | { readonly allowed: false; readonly reason: 'internal_address'; readonly address: string };

/** `host:port` split, host in lower case; undefined when it is not that shape. */
export function parseBroker(text: string): { readonly host: string; readonly port: number } | undefined {
  const match = /^([^\s:/]+):(\d{1,5})$/.exec(text.trim());
  if (!match) return undefined;
  const port = Number(match[2]);
  return port >= 1 && port <= 65_535 ? { host: (match[1] as string).toLowerCase(), port } : undefined;
}

/** Whether DESTINATION_ALLOWED_KAFKA_BROKERS lists the broker, as `host:port` or as `host`. */
export function isAllowedKafkaBroker(host: string, port: number, allowed: readonly string[]): boolean {
  const name = host.toLowerCase();
  return allowed.some((entry) => {
    const text = entry.trim().toLowerCase();
    return text === name || text === `${name}:${port}`;
  });
}

/** The addresses a host stands for: itself for an IP literal, else what it resolved to. */
function addressesOf(host: string, resolved: ResolvedHosts): string[] {
  if (isIP(host) !== 0) return [normalizeAddress(host)];
  return (resolved.get(host.toLowerCase()) ?? []).map(normalizeAddress);
}

/** One spelling per address, so `::ffff:127.0.0.1` and `127.0.0.1` compare equal. */
function normalizeAddress(address: string): string {
  const bare = address.replace(/^\[|\]$/g, '').toLowerCase();
  return /^::ffff:\d+\.\d+\.\d+\.\d+$/.test(bare) ? bare.slice('::ffff:'.length) : bare;
}

/**
 * Whether host:port is one of the pipeline's own brokers: the same name, or an address the
 * pipeline's brokers resolve to, on the same port. Addresses cannot tell another listener of the
 * same cluster (another port, an external name) from another cluster: the streamer, which
 * connects anyway, also compares cluster ids (`judgeKafkaCluster`).
 */
export function isOwnKafkaBroker(host: string, port: number, policy: KafkaBrokerPolicy, resolved: ResolvedHosts): boolean {
  const addresses = new Set(addressesOf(host, resolved));
  return policy.ownBrokers.some((text) => {
    const own = parseBroker(text);
    if (own === undefined || own.port !== port) return false;
    return own.host === host.toLowerCase() || addressesOf(own.host, resolved).some((address) => addresses.has(address));
  });
}

/**
 * Whether a destination may connect to host:port. Allowed brokers pass; the pipeline's own
 * cluster passes only through DESTINATION_ALLOWED_KAFKA_BROKERS; otherwise no address the host
 * resolves to may be internal.
 */
export function judgeKafkaBroker(host: string, port: number, policy: KafkaBrokerPolicy, resolved: ResolvedHosts): BrokerVerdict {
  const own = isOwnKafkaBroker(host, port, policy, resolved);
  if (isAllowedKafkaBroker(host, port, policy.allowedBrokers)) return { allowed: true, own };
  if (own) return { allowed: false, reason: 'own_cluster' };
  const internal = addressesOf(host, resolved).find((address) => isInternalAddress(address));
  if (internal !== undefined) return { allowed: false, reason: 'internal_address', address: internal };
  return { allowed: true, own: false };
}

/** Kafka's internal topics (`__consumer_offsets`, `__transaction_state`, …): never a destination's. */
export function isInternalTopic(topic: string): boolean {
  return topic.startsWith('__');
}

/** The pipeline's own topics, `<prefix>.<…>` (entity topics, the dead-letter topic). */
export function isPipelineTopic(topic: string, topicPrefix: string): boolean {
  return topic.startsWith(`${topicPrefix}.`);
}

export type ClusterVerdict =
  { readonly allowed: true } | { readonly allowed: false; readonly reason: 'own_cluster' | 'own_topic' | 'internal_topic' };

/**
 * Whether a destination may write to `topic` on the cluster it reached, known by its cluster id
 * (Kafka's Metadata answer carries it, KIP-78): any listener of the pipeline's own cluster gives
 * the pipeline's own id, however it is addressed. The pipeline's own cluster is written only
 * when DESTINATION_ALLOWED_KAFKA_BROKERS lists every broker of the destination, and never to
 * the pipeline's topics nor Kafka's internal ones. A cluster that gives no id is not the
 * pipeline's: its own gave one.
 */
export function judgeKafkaCluster(
  destination: { readonly brokers: readonly string[]; readonly topic: string; readonly clusterId: string | null },
  ownClusterId: string,
  policy: KafkaBrokerPolicy,
): ClusterVerdict {
  if (destination.clusterId === null || destination.clusterId !== ownClusterId) return { allowed: true };
  const listed =
    destination.brokers.length > 0 &&
    destination.brokers.every((text) => {
      const broker = parseBroker(text);
      return broker !== undefined && isAllowedKafkaBroker(broker.host, broker.port, policy.allowedBrokers);
    });
  if (!listed) return { allowed: false, reason: 'own_cluster' };
  if (isInternalTopic(destination.topic)) return { allowed: false, reason: 'internal_topic' };
  if (isPipelineTopic(destination.topic, policy.topicPrefix)) return { allowed: false, reason: 'own_topic' };
  return { allowed: true };
}
