import { KafkaError, kafkaErrorCodes } from '../errors.js';
import { describeSecurity, usesSasl, usesTls, type KafkaSecurity } from './security.js';
import { tlsFailureReason } from '../../core/certificate-codes.js';

/**
 * Why a first connection to Kafka failed, when the reason is a setting and not the network: a
 * refused password, a mechanism the listener does not offer, a certificate the client cannot trust,
 * a listener that speaks another protocol. Such a failure never heals by waiting, so it is said at
 * once, naming the variable to fix; anything else (a refused or timed-out connection) is left to
 * the caller's retries. `settings` names the variables as the caller knows them: the pipeline's
 * own `KAFKA_*`, or a Kafka destination's fields.
 */
export interface SecurityVariables {
  readonly protocol: string;
  readonly mechanism: string;
  readonly username: string;
  readonly password: string;
  readonly ca: string;
  readonly cert: string;
  readonly verifyHostname: string;
  readonly brokers: string;
  /** Where an OAUTHBEARER token comes from, where the settings have OAUTHBEARER. */
  readonly oauthToken?: string;
}

export const environmentVariables: SecurityVariables = {
  protocol: 'KAFKA_SECURITY_PROTOCOL',
  mechanism: 'KAFKA_SASL_MECHANISM',
  username: 'KAFKA_SASL_USERNAME',
  password: 'KAFKA_SASL_PASSWORD',
  ca: 'KAFKA_SSL_CA_FILE',
  cert: 'KAFKA_SSL_CERT_FILE and KAFKA_SSL_KEY_FILE',
  verifyHostname: 'KAFKA_SSL_VERIFY_HOSTNAME',
  brokers: 'KAFKA_BROKERS',
  oauthToken: 'KAFKA_SASL_OAUTHBEARER_TOKEN_ENDPOINT_URL (or KAFKA_SASL_OAUTHBEARER_TOKEN_FILE)',
};

interface Failure {
  readonly name?: string;
  readonly message?: string;
  readonly type?: string;
  readonly code?: string;
  readonly cause?: Failure;
}

/** The innermost cause that carries a Node error code (kafkajs wraps a TLS error twice). */
function codeOf(error: Failure): string | undefined {
  for (let current: Failure | undefined = error; current !== undefined; current = current.cause) {
    if (typeof current.code === 'string') return current.code;
  }
  return undefined;
}

/**
 * The alerts a listener sends when it refuses the client's certificate (bad certificate, certificate
 * required, unknown CA). Node builds the code from OpenSSL's reason text, whose protocol prefix
 * changed: OpenSSL 3.0 (Node 20) says `ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE`, OpenSSL 3.5 (Node 24)
 * `ERR_SSL_SSL/TLS_ALERT_BAD_CERTIFICATE`; the alert's name is the part that stays.
 */
const refusedClientCertificate = /^ERR_SSL_(?:SSLV3|SSL\/TLS|TLSV1|TLSV13)_ALERT_(?:BAD_CERTIFICATE|CERTIFICATE_REQUIRED|UNKNOWN_CA)$/;

/**
 * What a failed first connection means for the settings, as an error to throw; undefined when it
 * may be the network or a broker still starting (`closedTwice`: the connection was closed before
 * any answer on two attempts, so it is no restart).
 */
export function diagnoseKafkaFailure(
  error: unknown,
  context: {
    readonly brokers: readonly string[];
    readonly security: KafkaSecurity;
    readonly variables: SecurityVariables;
    readonly closedTwice?: boolean;
    /**
     * Whether to say a listener speaks another protocol than asked (no TLS where TLS was asked,
     * or a close before any answer). @defaultValue true. A tenant's destination says nothing of
     * it: the words would tell an open port of any host from a closed one.
     */
    readonly describeListener?: boolean;
  },
): KafkaError | undefined {
  const failure = (error ?? {}) as Failure;
  const { security, variables } = context;
  const where = `Kafka at ${context.brokers.join(',')} (${describeSecurity(security)})`;
  const code = codeOf(failure);
  const causeName = failure.cause?.name ?? failure.name;
  const auth = (message: string) =>
    new KafkaError(kafkaErrorCodes.authenticationFailed, `${where} ${message}`, { cause: error, retriable: false });
  const tls = (message: string) => new KafkaError(kafkaErrorCodes.tlsFailed, `${where} ${message}`, { cause: error, retriable: false });

  if (failure.name === 'KafkaJSSASLAuthenticationError' || causeName === 'KafkaJSSASLAuthenticationError') {
    if (security.sasl?.mechanism === 'OAUTHBEARER')
      return auth(
        `refused the OAuth token: ${failure.message ?? 'authentication failed'}. Check the token ${variables.oauthToken ?? 'source'} gives (its issuer, audience, scope and expiry are what the brokers check).`,
      );
    return auth(
      `refused the credentials: ${failure.message ?? 'authentication failed'}. Check ${variables.username} and ${variables.password}${security.sasl?.mechanism.startsWith('SCRAM') === true ? `, and ${variables.mechanism}: a SCRAM user exists only for the mechanisms (SCRAM-SHA-256, SCRAM-SHA-512) it was created for` : ''}.`,
    );
  }
  if (failure.type === 'UNSUPPORTED_SASL_MECHANISM') {
    return auth(
      `does not offer the SASL mechanism ${security.sasl?.mechanism ?? ''}: set ${variables.mechanism} to one it offers (its operator knows which; PLAIN, SCRAM-SHA-256 and SCRAM-SHA-512 are common).`,
    );
  }
  if (failure.type === 'ILLEGAL_SASL_STATE') {
    return auth(
      `answered a SASL handshake as a listener without SASL: set ${variables.protocol} to ${usesTls(security.protocol) ? 'SSL' : 'PLAINTEXT'}, or point ${variables.brokers} at its SASL listener.`,
    );
  }
  const reason = code === undefined ? undefined : tlsFailureReason(code);
  if (reason === 'untrusted') {
    return tls(`sent a certificate this client does not trust (${code}): set ${variables.ca} to the PEM of the CA that signed it.`);
  }
  if (reason === 'expired') {
    return tls(`sent a certificate that is not valid now (${code}): its operator must renew it (or this machine's clock is wrong).`);
  }
  if (reason === 'misnamed') {
    return tls(
      `sent a certificate for another host (${failure.cause?.message ?? failure.message ?? code}): connect by a name the certificate holds in ${variables.brokers}, or, for an address it lacks, set ${variables.verifyHostname}=false.`,
    );
  }
  if (code !== undefined && refusedClientCertificate.test(code)) {
    return tls(`refused this client's certificate (${code}): the listener requires one it trusts; set ${variables.cert}.`);
  }
  if (context.describeListener === false) return undefined;
  const message = failure.cause?.message ?? failure.message ?? '';
  if (
    usesTls(security.protocol) &&
    (code === 'ERR_SSL_WRONG_VERSION_NUMBER' || /before secure TLS connection was established/.test(message))
  ) {
    return tls(
      `did not answer the TLS handshake (${code ?? message}): the listener is not TLS; set ${variables.protocol} to ${usesSasl(security.protocol) ? 'SASL_PLAINTEXT' : 'PLAINTEXT'}, or point ${variables.brokers} at its TLS listener.`,
    );
  }
  const closed = failure.name === 'KafkaJSConnectionClosedError' || causeName === 'KafkaJSConnectionClosedError';
  if (closed && context.closedTwice === true) {
    const wants = [usesTls(security.protocol) ? undefined : 'TLS', usesSasl(security.protocol) ? undefined : 'SASL'].filter(Boolean);
    return auth(
      `closed the connection before answering, twice: its listener expects what this client does not speak${wants.length > 0 ? ` (${wants.join(' or ')})` : ''}. Set ${variables.protocol} to the listener's protocol (SASL_SSL for most managed clusters), or point ${variables.brokers} at the listener for ${security.protocol}.`,
    );
  }
  return undefined;
}

/** Whether a failure is a connection closed before any answer: a mismatch, or a broker going down, so it is tried once more. */
export function closedBeforeAnswer(error: unknown): boolean {
  const failure = (error ?? {}) as Failure;
  return failure.name === 'KafkaJSConnectionClosedError' || failure.cause?.name === 'KafkaJSConnectionClosedError';
}
