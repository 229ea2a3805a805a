import { describeTlsFailure, tlsFailureCode } from '../../core/certificate-codes.js';

/**
 * What a failed publish to an MQTT destination tells its tenant: a code for the delivery log and
 * words to act on. What a reachable broker answered (a CONNACK refusing the credentials, a PUBACK
 * refusing a message, a DISCONNECT saying why) is told by its reason code, a failed TLS handshake
 * by its reason; every other failure (refused, reset, silent, not
 * MQTT at all) is one message, the same whatever happened, so the delivery log maps no host's
 * open ports.
 */

export const unreachableCode = 'mqtt_unreachable';
export const authenticationCode = 'mqtt_authentication_failed';
export const notAuthorizedCode = 'mqtt_not_authorized';
export const refusedCode = 'mqtt_refused';
export const publishRefusedCode = 'mqtt_publish_refused';
export const disconnectedCode = 'mqtt_disconnected';
export const tlsCode = 'mqtt_tls_failed';

/** CONNACK codes: MQTT 5's reason codes, and 3.1.1's return codes (1 to 5) where they differ. */
const badCredentials = new Set([134, 4]);
const notAuthorized = new Set([135, 5]);
const unsupportedVersion = new Set([132, 1]);

interface ReasonError {
  readonly message: string;
  readonly code: number;
}

function reasonOf(error: unknown): ReasonError | undefined {
  if (!(error instanceof Error)) return undefined;
  const code = (error as { code?: unknown }).code;
  return typeof code === 'number' ? { message: error.message, code } : undefined;
}

/** Whether the broker refused the connection for its protocol version (MQTT 5 asked of a 3.1.1 broker). */
export function isProtocolRefusal(error: unknown): boolean {
  const reason = reasonOf(error);
  return reason !== undefined && reason.message.startsWith('Connection refused') && unsupportedVersion.has(reason.code);
}

export function describeMqttFailure(
  error: unknown,
  context: { readonly where: string; readonly timeoutMs: number; readonly topics: readonly string[] },
): { code: string; message: string } {
  const broker = `the MQTT broker at ${context.where}`;
  const tls = tlsFailureCode(error);
  if (tls !== undefined) {
    return {
      code: tlsCode,
      message: describeTlsFailure(tls, broker, { ca: 'mqtt.ssl_ca_pem', host: 'mqtt.url' }),
    };
  }
  const reason = reasonOf(error);
  if (reason?.message.startsWith('Connection refused')) {
    const said = reason.message.slice('Connection refused: '.length) || `reason code ${reason.code}`;
    if (badCredentials.has(reason.code))
      return {
        code: authenticationCode,
        message: `${broker} refused the destination's credentials (${said}); check mqtt.username and mqtt.password`,
      };
    if (notAuthorized.has(reason.code))
      return {
        code: notAuthorizedCode,
        message: `${broker} refused to let the destination's user connect (${said}); check mqtt.username, mqtt.password and the broker's ACL`,
      };
    return { code: refusedCode, message: `${broker} refused the connection (${said})` };
  }
  if (reason?.message.startsWith('Disconnected')) {
    const said = reason.message.slice('Disconnected: '.length);
    return {
      code: disconnectedCode,
      message: `${broker} closed the connection while publishing to ${context.topics.join(', ')} (${said}); a message may be larger than the broker takes, or the broker's ACL may refuse the user`,
    };
  }
  if (reason?.message.startsWith('Publish error')) {
    const said = reason.message.slice('Publish error: '.length) || `reason code ${reason.code}`;
    return {
      code: publishRefusedCode,
      message: `${broker} refused a message on ${context.topics.join(', ')} (${said}); check mqtt.topic and the broker's ACL for the user`,
    };
  }
  return {
    code: unreachableCode,
    message: `could not reach ${broker}, or it did not acknowledge every message within ${context.timeoutMs} ms; check mqtt.url and that the broker is up and reachable from the pipeline`,
  };
}
