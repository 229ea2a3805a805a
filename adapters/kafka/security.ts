/**
 * How a client proves who it is to Kafka and checks who Kafka is: the security protocol of the
 * listener it connects to (Kafka's own names), TLS material as PEM text, and SASL credentials. The
 * pipeline's own cluster gets it from the environment (adapters/settings/kafka.ts); a Kafka
 * destination carries its own.
 */

export const kafkaSecurityProtocols = ['PLAINTEXT', 'SSL', 'SASL_PLAINTEXT', 'SASL_SSL'] as const;
export type KafkaSecurityProtocol = (typeof kafkaSecurityProtocols)[number];

export const kafkaSaslMechanisms = ['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512', 'OAUTHBEARER'] as const;
export type KafkaSaslMechanism = (typeof kafkaSaslMechanisms)[number];

export interface KafkaTls {
  /** PEM certificates to trust instead of the system's; undefined: the system's CA store. */
  readonly ca?: string | undefined;
  /** The client's own certificate chain and key (PEM), for listeners that require one (mTLS). */
  readonly cert?: string | undefined;
  readonly key?: string | undefined;
  /** The passphrase of an encrypted key. */
  readonly keyPassword?: string | undefined;
  /** Whether the broker's certificate must name the host connected to. @defaultValue true */
  readonly verifyHostname: boolean;
}

export type KafkaSasl =
  | { readonly mechanism: 'PLAIN' | 'SCRAM-SHA-256' | 'SCRAM-SHA-512'; readonly username: string; readonly password: string }
  /** `token` is asked for at every authentication, so a token file refreshed beside the process is picked up. */
  | { readonly mechanism: 'OAUTHBEARER'; readonly token: () => Promise<string> };

export interface KafkaSecurity {
  readonly protocol: KafkaSecurityProtocol;
  /** Set when the protocol is SSL or SASL_SSL. */
  readonly tls?: KafkaTls | undefined;
  /** Set when the protocol is SASL_PLAINTEXT or SASL_SSL. */
  readonly sasl?: KafkaSasl | undefined;
}

export const plaintext: KafkaSecurity = { protocol: 'PLAINTEXT' };

export function usesTls(protocol: KafkaSecurityProtocol): boolean {
  return protocol === 'SSL' || protocol === 'SASL_SSL';
}

export function usesSasl(protocol: KafkaSecurityProtocol): boolean {
  return protocol === 'SASL_PLAINTEXT' || protocol === 'SASL_SSL';
}

/** What a log line or an error may say of a security setup: the protocol, mechanism and user, never a secret. */
export function describeSecurity(security: KafkaSecurity): string {
  const sasl = security.sasl;
  if (sasl === undefined) return security.protocol;
  return sasl.mechanism === 'OAUTHBEARER'
    ? `${security.protocol} ${sasl.mechanism}`
    : `${security.protocol} ${sasl.mechanism} as ${sasl.username}`;
}
