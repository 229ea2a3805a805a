import { hostPort, type Endpoint } from '../../core/endpoint-rules.js';
import { describeTlsFailure, tlsFailureCode } from '../../core/certificate-codes.js';

/**
 * What a failed attempt to a NATS destination tells its tenant: a code for the delivery log and
 * words to act on. What a reachable server said is told (no stream on the subject, a refused
 * login or publish, the stream's own refusal); every failure to reach it is one message, the same
 * however it failed, so the delivery log maps no host's open ports.
 */
export interface NatsFailure {
  readonly code: string;
  readonly message: string;
}

export const natsCodes = {
  unreachable: 'nats_unreachable',
  authentication: 'nats_authentication_failed',
  /** No stream listens on the subject: the request had no responders (NATS's 503). */
  noStream: 'nats_no_stream',
  /** The server or the stream refused the message (permissions, size, a full stream). */
  refused: 'nats_refused',
  /** The TLS handshake failed: a certificate not trusted, expired or for another name. */
  tls: 'nats_tls_failed',
} as const;

interface NatsErrorShape {
  name?: unknown;
  message?: unknown;
  cause?: unknown;
}

export function describeNatsFailure(error: unknown, servers: readonly Endpoint[], subject: string, timeoutMs: number): NatsFailure {
  const where = `NATS at ${servers.map(hostPort).join(', ')}`;
  const names: string[] = [];
  const messages: string[] = [];
  const tlsCodes: (string | undefined)[] = [];
  for (let inner = error as NatsErrorShape | undefined, depth = 0; inner && depth < 5; inner = inner.cause as NatsErrorShape, depth++) {
    if (typeof inner.name === 'string') names.push(inner.name);
    if (typeof inner.message === 'string') messages.push(inner.message);
    tlsCodes.push(tlsFailureCode(inner));
  }
  const said = messages[0] ?? '';
  const tls = tlsCodes.find((code) => code !== undefined);
  if (tls !== undefined) {
    return {
      code: natsCodes.tls,
      message: describeTlsFailure(tls, where, { ca: 'nats.ssl_ca_pem', host: 'nats.servers' }),
    };
  }
  if (names.includes('JetStreamNotEnabled') || names.includes('NoResponders') || /no responders/.test(said)) {
    return {
      code: natsCodes.noStream,
      message: `no stream listens on subject ${subject} at ${where} (503 no responders); add the subject to a stream, or fix nats.subject`,
    };
  }
  if (names.includes('AuthorizationError') || names.includes('UserAuthenticationExpiredError')) {
    return {
      code: natsCodes.authentication,
      message: `${where} refused the login (${said}); check nats.user and nats.password, or nats.token`,
    };
  }
  if (names.includes('PermissionViolationError')) {
    return {
      code: natsCodes.refused,
      message: `${where} refused to let this user publish to ${subject} (${said}); check the user's permissions`,
    };
  }
  if (names.includes('JetStreamApiError') || names.includes('JetStreamError') || names.includes('InvalidArgumentError')) {
    return { code: natsCodes.refused, message: `${where} refused the message to ${subject}: ${said}` };
  }
  return {
    code: natsCodes.unreachable,
    message: `could not reach ${where}, or no stream acknowledged the messages to ${subject} within ${timeoutMs} ms; check nats.servers, and that the servers are up and reachable from the pipeline`,
  };
}
