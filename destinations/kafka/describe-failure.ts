import { kafkaErrorCodes } from '../../adapters/errors.js';
import { diagnoseKafkaFailure, type SecurityVariables } from '../../adapters/kafka/diagnosis.js';
import { plaintext, type KafkaSecurity } from '../../adapters/kafka/security.js';

/**
 * What a failed attempt to a Kafka destination tells its tenant: a code for the delivery log and
 * words to act on. Only what a reachable cluster said is told apart (a missing topic, a refused
 * write, a refused password or certificate, by the setting to fix); every other failure is one
 * message, the same whatever happened, so the delivery log maps no host's open ports.
 */

/** What a kafkajs error carries, as far as it is read here. */
interface KafkaJsErrorShape {
  name?: unknown;
  type?: unknown;
  cause?: unknown;
  originalError?: unknown;
}

/** The one code of a cluster that could not be reached or did not acknowledge, however that came about. */
export const unreachableCode = 'kafka_unreachable';
/** The pipeline's own cluster id could not be learned, so no destination cluster could be told from it. */
export const unverifiedCode = 'kafka_cluster_unverified';
/** The cluster refused the destination's SASL settings. */
export const authenticationCode = 'kafka_authentication_failed';
/** The TLS handshake failed on a certificate (the broker's or the destination's own). */
export const tlsCode = 'kafka_tls_failed';

/** A destination's settings, as a diagnosis names them. */
const destinationVariables: SecurityVariables = {
  protocol: 'kafka.security_protocol',
  mechanism: 'kafka.sasl_mechanism',
  username: 'kafka.sasl_username',
  password: 'kafka.sasl_password',
  ca: 'kafka.ssl_ca_pem',
  cert: 'kafka.ssl_cert_pem and kafka.ssl_key_pem',
  verifyHostname: 'kafka.ssl_verify_hostname',
  brokers: 'kafka.brokers',
};

/**
 * Errors a reachable cluster answers about the write itself, worth telling the tenant as they are.
 * Anything else (refused, closed, reset, timed out, an answer that is not Kafka's) is one generic
 * failure: told apart, they would map which ports of a host are open.
 */
const writeErrors = new Set([
  'TOPIC_AUTHORIZATION_FAILED',
  'CLUSTER_AUTHORIZATION_FAILED',
  'INVALID_TOPIC_EXCEPTION',
  'MESSAGE_TOO_LARGE',
  'RECORD_LIST_TOO_LARGE',
  'INVALID_RECORD',
  'POLICY_VIOLATION',
  'NOT_ENOUGH_REPLICAS',
  'NOT_ENOUGH_REPLICAS_AFTER_APPEND',
]);

/**
 * A send's failure as a code and words for the delivery log: a missing topic and the write errors
 * above by their Kafka error type; every other failure as `kafka_unreachable`, in words that are
 * the same whatever happened. kafkajs wraps what it retried in KafkaJSNumberOfRetriesExceeded; the
 * cause inside says what went wrong.
 */
export function describeKafkaFailure(
  thrown: unknown,
  brokers: string,
  topic: string,
  timeoutMs: number,
  security: KafkaSecurity = plaintext,
): { code: string; message: string } {
  let error = (thrown ?? {}) as KafkaJsErrorShape;
  for (let depth = 0; depth < 5; depth += 1) {
    const inner = (error.originalError ?? error.cause) as KafkaJsErrorShape | undefined;
    if (error.name !== 'KafkaJSNumberOfRetriesExceeded' || inner === undefined) break;
    error = inner;
  }
  const diagnosis = diagnoseKafkaFailure(error, {
    brokers: brokers.split(','),
    security,
    variables: destinationVariables,
    describeListener: false,
  });
  if (diagnosis !== undefined) {
    return { code: diagnosis.code === kafkaErrorCodes.authenticationFailed ? authenticationCode : tlsCode, message: diagnosis.message };
  }
  const type = typeof error.type === 'string' ? error.type : undefined;
  if (type === 'UNKNOWN_TOPIC_OR_PARTITION') {
    return { code: type, message: `topic ${topic} does not exist on Kafka at ${brokers}; create it or fix the destination's topic` };
  }
  if (type !== undefined && writeErrors.has(type)) {
    return { code: type, message: `Kafka at ${brokers} refused the write to topic ${topic} (${type})` };
  }
  return {
    code: unreachableCode,
    message: `could not reach the Kafka cluster at ${brokers}, or it did not acknowledge the write to topic ${topic} within ${timeoutMs} ms; check the destination's brokers and kafka.security_protocol (the listener's), and that the cluster is up and reachable from the pipeline`,
  };
}
