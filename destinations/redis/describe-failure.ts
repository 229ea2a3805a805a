import { describeTlsFailure, tlsFailureCode } from '../../core/certificate-codes.js';

/**
 * What a failed write to a Redis destination tells its tenant: a code for the delivery log and
 * words to act on. What a reachable server answered (a refused password, a key that is not a
 * stream, out of memory) is told apart by its error reply, a failed TLS handshake by its reason;
 * every other failure (refused, reset,
 * silent, not Redis at all) is one message, the same whatever happened, so the delivery log maps
 * no host's open ports. An error reply is quoted by its first line only: ioredis keeps the
 * command, and AUTH's arguments are the password, so an error object is never logged whole.
 */

export const unreachableCode = 'redis_unreachable';
export const authenticationCode = 'redis_authentication_failed';
export const wrongTypeCode = 'redis_wrong_type';
export const outOfMemoryCode = 'redis_out_of_memory';
export const refusedCode = 'redis_refused';
export const tlsCode = 'redis_tls_failed';

export interface RedisFailure {
  readonly code: string;
  readonly message: string;
}

/** The first line of an error reply (at most 300 characters), or undefined for anything that is not one. */
export function replyText(error: unknown): string | undefined {
  if ((error as { name?: unknown } | null)?.name !== 'ReplyError') return undefined;
  const message = (error as { message?: unknown }).message;
  if (typeof message !== 'string') return undefined;
  return (message.split(/\r?\n/)[0] ?? '').slice(0, 300);
}

/** A failure as a code and words, `where` being `host:port` and `stream` the key written when the reply is about it. */
export function describeRedisFailure(error: unknown, where: string, timeoutMs: number, stream?: string): RedisFailure {
  const reply = replyText(error);
  const tls = tlsFailureCode(error);
  if (tls !== undefined) {
    return {
      code: tlsCode,
      message: describeTlsFailure(tls, `Redis at ${where}`, { ca: 'redis.ssl_ca_pem', host: 'redis.url' }),
    };
  }
  if (reply === undefined) {
    return {
      code: unreachableCode,
      message: `could not reach Redis at ${where}, or it did not answer within ${timeoutMs} ms; check redis.url and that the server is up and reachable from the pipeline`,
    };
  }
  const [word = ''] = reply.split(' ');
  if (word === 'NOAUTH' || word === 'WRONGPASS' || /^ERR (AUTH|.*\bpassword\b)/i.test(reply)) {
    return {
      code: authenticationCode,
      message: `Redis at ${where} refused the destination's credentials (${word}); check redis.username and redis.password`,
    };
  }
  if (word === 'WRONGTYPE') {
    return {
      code: wrongTypeCode,
      message: `the key ${stream ?? '(unknown)'} on Redis at ${where} holds a value that is not a stream (WRONGTYPE); choose another redis.stream or delete the key`,
    };
  }
  if (word === 'OOM') {
    return {
      code: outOfMemoryCode,
      message: `Redis at ${where} is out of memory and refused the write (${reply}); set redis.max_len or free memory`,
    };
  }
  return { code: refusedCode, message: `Redis at ${where} refused the write${stream === undefined ? '' : ` to ${stream}`}: ${reply}` };
}
