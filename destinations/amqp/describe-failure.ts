import { hostPort, type Endpoint } from '../../core/endpoint-rules.js';
import { describeTlsFailure, tlsFailureCode } from '../../core/certificate-codes.js';

/**
 * What a failed attempt to a RabbitMQ destination tells its tenant: a code for the delivery log
 * and words to act on. What a reachable broker said is told as it said it (a refused login, a
 * missing exchange, a returned message); every failure to reach it is one message, the same
 * however it failed (refused, reset, silent), so the delivery log maps no host's open ports.
 */
export interface AmqpFailure {
  readonly code: string;
  readonly message: string;
}

export const amqpCodes = {
  unreachable: 'amqp_unreachable',
  authentication: 'amqp_authentication_failed',
  tls: 'amqp_tls_failed',
  /** The broker closed the channel or the connection, saying why (a missing exchange, a message too large). */
  closed: 'amqp_closed_by_broker',
  /** A mandatory message no queue was bound to receive (basic.return). */
  unroutable: 'amqp_unroutable',
  /** The broker refused a message it received (basic.nack): a queue full with `reject-publish`, for one. */
  nacked: 'amqp_nacked',
  /** The broker stopped reading from the connection (connection.blocked: a memory or disk alarm). */
  blocked: 'amqp_blocked',
} as const;

/** What an amqplib error carries, as far as it is read here. */
interface AmqpErrorShape {
  message?: unknown;
  code?: unknown;
}

/** The broker's own words in an amqplib close error: `… with message "NOT_FOUND - no exchange 'x' in vhost '/'"`. */
export function brokerReason(error: unknown): string | undefined {
  const message = (error as AmqpErrorShape | undefined)?.message;
  if (typeof message !== 'string') return undefined;
  const quoted = /with message "(.*)"$/s.exec(message);
  return quoted?.[1];
}

/** A failure to connect or open the confirm channel, in words for the delivery log. */
export function describeAmqpFailure(error: unknown, endpoint: Endpoint, username: string, timeoutMs: number): AmqpFailure {
  const where = `RabbitMQ at ${hostPort(endpoint)}`;
  const shape = (error ?? {}) as AmqpErrorShape;
  const message = typeof shape.message === 'string' ? shape.message : '';
  const reason = brokerReason(error);
  if (/ACCESS[-_]REFUSED/.test(message)) {
    return {
      code: amqpCodes.authentication,
      message: `${where} refused the login of user ${username} (ACCESS_REFUSED); check amqp.username and amqp.password`,
    };
  }
  const tls = tlsFailureCode(error);
  if (tls !== undefined) {
    return {
      code: amqpCodes.tls,
      message: describeTlsFailure(tls, where, { ca: 'amqp.ssl_ca_pem', host: 'amqp.url' }),
    };
  }
  if (reason !== undefined) return { code: amqpCodes.closed, message: `${where} closed the connection: ${reason}` };
  return {
    code: amqpCodes.unreachable,
    message: `could not reach ${where}, or it did not confirm the messages within ${timeoutMs} ms; check amqp.url, and that the broker is up and reachable from the pipeline`,
  };
}
