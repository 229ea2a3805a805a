import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { usesSasl, usesTls, type KafkaSecurity } from '../../adapters/kafka/security.js';
import { checkKafkaSettings } from '../../core/destination-rules.js';
import { isAllowedKafkaBroker, parseBroker, type KafkaBrokerPolicy } from '../../core/kafka-broker-rules.js';
import { checkKafkaSecuritySettings } from '../../core/kafka-security-rules.js';
import { defineServerKind } from '../server-kind.js';
import { kafka, protocolOf, type KafkaSettings } from './kind.js';
import { createKafkaSender } from './sender.js';
import { jsonContentType } from '../../core/payload-shape.js';

/** Kafka topics: the brokers are resolved and judged by the broker policy; an attempt produces a group of records. */
export const kafkaServer = defineServerKind({
  kind: kafka,
  check: async (settings, context) => {
    const policy = context.kafkaBrokerPolicy;
    const { resolved, unresolved } = await resolveBrokers(settings.brokers, policy);
    const problems = [...checkKafkaSettings(settings, policy, resolved), ...checkKafkaSecuritySettings(settings, context.storedSecrets)];
    // A broker the operator allowed may resolve only where the streamers run; the streamers check it again.
    for (const { host, port } of unresolved) {
      if (isAllowedKafkaBroker(host, port, policy.allowedBrokers)) continue;
      problems.push({ field: 'kafka.brokers', message: `the broker host ${host} does not resolve; check the destination's brokers` });
    }
    return problems;
  },
  createSender: (environment) =>
    createKafkaSender({
      logger: environment.logger,
      ownBrokers: environment.ownBrokers,
      ownSecurity: environment.ownSecurity,
      allowedBrokers: environment.allowedBrokers,
      topicPrefix: environment.topicPrefix,
    }),
  plan: (settings, sender, defaults) => ({
    claim: { mode: 'group' },
    timeoutMs: defaults.timeoutMs,
    send: (unit) =>
      sender.send({
        brokers: settings.brokers,
        topic: settings.topic,
        security: securityOf(settings),
        timeoutMs: defaults.timeoutMs,
        messages: unit.deliveries.map((delivery) => ({
          key: delivery.entityId,
          value: delivery.payload,
          headers: {
            'content-type': delivery.contentType ?? jsonContentType,
            'evp-delivery-id': delivery.id,
            'evp-event-id': delivery.eventId,
            'evp-event-type': delivery.eventType,
          },
        })),
      }),
  }),
});

/**
 * How to reach a destination's cluster, from its settings (its secrets opened by the streamer).
 * A setting the protocol needs and the row lacks (stored before a rule) is left out: the cluster
 * then refuses the attempt, and the delivery log names the setting.
 */
export function securityOf(settings: KafkaSettings): KafkaSecurity {
  const protocol = protocolOf(settings);
  const tls = usesTls(protocol)
    ? {
        ca: settings.ssl_ca_pem ?? undefined,
        cert: settings.ssl_cert_pem ?? undefined,
        key: settings.ssl_key_pem ?? undefined,
        verifyHostname: settings.ssl_verify_hostname ?? true,
      }
    : undefined;
  const mechanism = settings.sasl_mechanism as 'PLAIN' | 'SCRAM-SHA-256' | 'SCRAM-SHA-512' | undefined;
  const sasl =
    usesSasl(protocol) && mechanism !== undefined
      ? { mechanism, username: settings.sasl_username ?? '', password: settings.sasl_password ?? '' }
      : undefined;
  return { protocol, tls, sasl };
}

/**
 * What the brokers' hosts, and the pipeline's own, resolve to (IP literals need no lookup), and
 * the brokers' hosts that do not resolve. The policy's checks compare these addresses, so a
 * name or another spelling of the pipeline's own cluster is still recognised.
 */
async function resolveBrokers(
  brokers: readonly string[],
  policy: KafkaBrokerPolicy,
): Promise<{ resolved: Map<string, string[]>; unresolved: { host: string; port: number }[] }> {
  const parsed = brokers.map((broker) => parseBroker(broker)).filter((broker) => broker !== undefined);
  const own = policy.ownBrokers.map((broker) => parseBroker(broker)?.host);
  const names = [...new Set([...parsed.map((broker) => broker.host), ...own])].filter(
    (host): host is string => host !== undefined && isIP(host) === 0,
  );
  const resolved = new Map<string, string[]>();
  const unresolved: { host: string; port: number }[] = [];
  await Promise.all(
    names.map(async (host) => {
      try {
        resolved.set(
          host,
          (await lookup(host, { all: true })).map((entry) => entry.address),
        );
      } catch {
        unresolved.push(...parsed.filter((broker) => broker.host === host));
      }
    }),
  );
  return { resolved, unresolved };
}
