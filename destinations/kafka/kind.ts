import { Type, type Static } from 'typebox';
import { kafkaSecurityProtocols, usesSasl, usesTls, type KafkaSecurityProtocol } from '../../adapters/kafka/security.js';
import { OptionalPem, SafeString } from '../../core/request-schemas.js';
import { defineKind } from '../kind.js';

/** The SASL mechanisms a destination may use: OAUTHBEARER needs a token source a tenant cannot give. */
export const destinationSaslMechanisms = ['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512'] as const;

/** Each event as a record of a topic on another Kafka cluster, keyed by its entity id. */
export const KafkaSettings = Type.Object(
  {
    brokers: Type.Array(SafeString({ minLength: 1, maxLength: 300 }), {
      minItems: 1,
      maxItems: 20,
      description:
        "Bootstrap brokers, host:port. Neither the pipeline's own cluster nor internal addresses, unless the operator allows the broker (DESTINATION_ALLOWED_KAFKA_BROKERS).",
    }),
    topic: SafeString({
      minLength: 1,
      maxLength: 249,
      description: "Never one of Kafka's internal topics (__…), nor one of the pipeline's own on its cluster.",
    }),
    security_protocol: Type.Optional(
      Type.String({
        enum: [...kafkaSecurityProtocols],
        description: "The listener's protocol, as Kafka names it: PLAINTEXT (default), SSL, SASL_PLAINTEXT or SASL_SSL.",
      }),
    ),
    sasl_mechanism: Type.Optional(
      Type.String({ enum: [...destinationSaslMechanisms], description: 'With a SASL protocol: PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512.' }),
    ),
    sasl_username: Type.Optional(SafeString({ minLength: 1, maxLength: 300, description: 'With a SASL protocol: the user.' })),
    sasl_password: Type.Optional(
      SafeString({
        minLength: 1,
        maxLength: 1_024,
        description:
          'With a SASL protocol: the password. Sealed at rest and never answered (answers say "set"); give it again to change the brokers, the protocol or the mechanism.',
      }),
    ),
    ssl_ca_pem: OptionalPem("With TLS: the CA certificates to trust (PEM) instead of the system's; null goes back to the system's."),
    ssl_cert_pem: OptionalPem('With TLS: a client certificate chain (PEM), for a listener that requires one; null removes it and its key.'),
    ssl_key_pem: OptionalPem(
      'With ssl_cert_pem: its unencrypted private key (PEM). Sealed at rest and never answered (answers say "set").',
    ),
    ssl_verify_hostname: Type.Optional(
      Type.Boolean({ description: "With TLS: whether the broker's certificate must name the host connected to. Default true." }),
    ),
  },
  { additionalProperties: false },
);
export type KafkaSettings = Static<typeof KafkaSettings>;

const saslSettings = ['sasl_mechanism', 'sasl_username', 'sasl_password'];
const tlsSettings = ['ssl_ca_pem', 'ssl_cert_pem', 'ssl_key_pem', 'ssl_verify_hostname'];

/** The protocol of settings (stored or typed): PLAINTEXT unless one of the others is named. */
export function protocolOf(settings: Readonly<Record<string, unknown>>): KafkaSecurityProtocol {
  const given = settings['security_protocol'];
  return kafkaSecurityProtocols.find((protocol) => protocol === given) ?? 'PLAINTEXT';
}

const withSasl = (settings: Readonly<Record<string, unknown>>) => usesSasl(protocolOf(settings));
const withTls = (settings: Readonly<Record<string, unknown>>) => usesTls(protocolOf(settings));

export const kafka = defineKind({
  name: 'kafka',
  label: 'Kafka topic',
  settings: KafkaSettings,
  signed: false,
  // The password goes to the brokers (as is with PLAIN, proven with SCRAM): elsewhere, or in the clear, it must be typed again.
  secrets: [
    { setting: 'sasl_password', boundTo: ['brokers', 'security_protocol', 'sasl_mechanism'] },
    { setting: 'ssl_key_pem', boundTo: ['ssl_cert_pem'] },
  ],
  unused: (settings) => [...(withSasl(settings) ? [] : saslSettings), ...(withTls(settings) ? [] : tlsSettings)],
  target: (settings) => ({ name: settings.topic, on: settings.brokers.join(', ') }),
  fields: [
    { setting: 'brokers', id: 'dst-brokers', label: 'Brokers', input: 'list', placeholder: 'broker-1:9092, broker-2:9092' },
    { setting: 'topic', id: 'dst-topic', label: 'Topic', input: 'text' },
    {
      setting: 'security_protocol',
      id: 'dst-security-protocol',
      label: 'Security protocol',
      input: 'select',
      options: kafkaSecurityProtocols,
    },
    {
      setting: 'sasl_mechanism',
      id: 'dst-sasl-mechanism',
      label: 'SASL mechanism',
      input: 'select',
      options: destinationSaslMechanisms,
      shown: withSasl,
    },
    { setting: 'sasl_username', id: 'dst-sasl-username', label: 'SASL user', input: 'text', shown: withSasl },
    { setting: 'sasl_password', id: 'dst-sasl-password', label: 'SASL password', input: 'password', shown: withSasl },
    {
      setting: 'ssl_ca_pem',
      id: 'dst-ssl-ca',
      label: 'CA certificates (PEM)',
      input: 'pem',
      placeholder: "-----BEGIN CERTIFICATE-----  (empty: the system's CAs)",
      shown: withTls,
    },
    { setting: 'ssl_cert_pem', id: 'dst-ssl-cert', label: 'Client certificate (PEM)', input: 'pem', shown: withTls },
    { setting: 'ssl_key_pem', id: 'dst-ssl-key', label: 'Client key (PEM)', input: 'pem', shown: withTls },
    {
      setting: 'ssl_verify_hostname',
      id: 'dst-ssl-verify-hostname',
      label: "Check the broker's host name",
      input: 'checkbox',
      checked: true,
      shown: withTls,
    },
  ],
  flags: [
    { setting: 'brokers', flag: '--brokers <list>', description: 'bootstrap brokers, comma-separated host:port', value: 'list' },
    { setting: 'topic', flag: '--topic <topic>', description: 'the topic written to' },
    {
      setting: 'security_protocol',
      flag: '--security-protocol <protocol>',
      description: "the listener's protocol: PLAINTEXT (default), SSL, SASL_PLAINTEXT or SASL_SSL",
    },
    { setting: 'sasl_mechanism', flag: '--sasl-mechanism <mechanism>', description: 'PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512' },
    { setting: 'sasl_username', flag: '--sasl-username <user>', description: 'the SASL user' },
    {
      setting: 'sasl_password',
      flag: '--sasl-password-file <file>',
      description: 'a file holding the SASL password (one line)',
      onUpdate: 'a file holding the SASL password; needed again to change the brokers, protocol or mechanism',
      value: 'file',
    },
    {
      setting: 'ssl_ca_pem',
      flag: '--ssl-ca-file <file>',
      description: "a PEM file of the CAs to trust instead of the system's",
      value: 'file',
    },
    { setting: 'ssl_cert_pem', flag: '--ssl-cert-file <file>', description: 'a PEM file of the client certificate (mTLS)', value: 'file' },
    {
      setting: 'ssl_key_pem',
      flag: '--ssl-key-file <file>',
      description: "a PEM file of the client certificate's unencrypted key",
      value: 'file',
    },
    {
      setting: 'ssl_verify_hostname',
      flag: '--ssl-verify-hostname <true|false>',
      description: "whether the broker's certificate must name the host (default true)",
      value: 'boolean',
    },
  ],
});
