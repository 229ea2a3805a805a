import { isIP } from 'node:net';
import { performance } from 'node:perf_hooks';
import { Redis } from 'ioredis';
import { hostPort, isEndpoint, parseEndpoint, type Endpoint } from '../../core/endpoint-rules.js';
import {
  attemptDeadline,
  createBrokerConnections,
  failedAttempt,
  type BrokerConnection,
  type BrokerRequest,
  type BrokerSender,
  type BrokerSenderOptions,
} from '../broker-connections.js';
import { settingsDigest } from '../endpoint-guard.js';
import type { SendOutcome } from '../send-outcome.js';
import { tlsFailureCode } from '../../core/certificate-codes.js';
import { decodePrefix, keptResponseBytes } from '../webhook/sender.js';
import { describeRedisFailure, replyText } from './describe-failure.js';
import { redisUrlRules } from './rules.js';

/** One stream entry: the key it goes to and its fields, in order. */
export interface RedisEntry {
  /** The delivery it carries (its `id` field), named beside the entry id in the delivery log. */
  readonly deliveryId: string;
  readonly stream: string;
  readonly fields: readonly (readonly [name: string, value: string])[];
}

export interface RedisRequest extends BrokerRequest {
  /** XADD MAXLEN ~ n. */
  readonly maxLen?: number | undefined;
  /** With rediss: the CAs to trust (PEM) instead of the system's. */
  readonly caPem?: string | null | undefined;
  readonly entries: readonly RedisEntry[];
}

export type RedisSender = BrokerSender<RedisRequest>;

interface RedisClient {
  readonly redis: Redis;
  readonly ready: Promise<void>;
  /** The last error reply the connection saw (AUTH's is emitted, and the connect fails only with "Connection is closed"). */
  lastReply?: unknown;
  /** The TLS handshake's failure, if it failed (the connect, too, fails only with "Connection is closed"). */
  tlsFailure?: unknown;
}

/**
 * Sends to Redis destinations with ioredis: one connection per destination, opened on first use
 * to the address vetted by the host rules, kept while used. A down server fails the attempt at
 * once rather than queueing in memory: no offline queue, no reconnection, no retry of a command;
 * a connection that failed is dropped and the next attempt (on the destination's retry schedule)
 * connects afresh, resolving the host again. The entries of an attempt go in one pipeline (no
 * MULTI: one refused entry does not undo the others, and a retry writes them again with the
 * same `id`).
 */
export function createRedisSender(options: BrokerSenderOptions): RedisSender {
  const logger = options.logger.child({ component: 'redis-sender' });
  const connections = createBrokerConnections<RedisClient>({
    ...options,
    label: 'Redis',
    end: (client) => Promise.resolve(client.redis.disconnect()),
  });

  function open(endpoint: Endpoint, address: string, request: RedisRequest, key: string): BrokerConnection<RedisClient> {
    const redis = new Redis({
      host: address,
      port: endpoint.port,
      db: Number(endpoint.path.replace(/^\//, '') || '0'),
      ...(request.username === undefined ? {} : { username: request.username }),
      ...(request.password === undefined ? {} : { password: request.password }),
      // The certificate is checked against the name in the URL, not the address connected to.
      ...(endpoint.scheme === 'rediss'
        ? {
            tls: {
              ...(isIP(endpoint.host) === 0 ? { servername: endpoint.host } : {}),
              ...(request.caPem === undefined || request.caPem === null ? {} : { ca: request.caPem }),
            },
          }
        : {}),
      lazyConnect: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
      reconnectOnError: () => false,
      connectTimeout: request.timeoutMs,
      connectionName: 'event-pipeline-streamer',
    });
    const where = hostPort(endpoint);
    const ready = redis.connect();
    ready.catch(() => undefined);
    const client: RedisClient = { redis, ready };
    // Without a listener ioredis prints every error; a tenant's server failing is the tenant's to read in the delivery log.
    redis.on('error', (error: unknown) => {
      const reply = replyText(error);
      if (reply !== undefined) client.lastReply = error;
      if (tlsFailureCode(error) !== undefined) client.tlsFailure = error;
      logger.debug({ where, reason: reply ?? (error as { code?: unknown }).code }, 'redis destination connection error');
    });
    return { key, where, client };
  }

  async function write(client: RedisClient, request: RedisRequest): Promise<[error: Error | null, entryId: unknown][]> {
    await client.ready;
    const pipeline = client.redis.pipeline();
    const trim = request.maxLen === undefined ? [] : ['MAXLEN', '~', String(request.maxLen)];
    for (const entry of request.entries) pipeline.xadd(entry.stream, ...trim, '*', ...entry.fields.flat());
    return (await pipeline.exec()) ?? [];
  }

  async function send(request: RedisRequest): Promise<SendOutcome> {
    const started = performance.now();
    const refused = connections.refusedWhenClosed(started);
    if (refused !== undefined) return refused;
    const endpoint = parseEndpoint(request.url, redisUrlRules);
    if (!isEndpoint(endpoint)) return failedAttempt(started, 'invalid_url', `${endpoint.message}; update the destination`);
    const key = settingsDigest([request.url, request.username, request.password, request.caPem ?? undefined]);
    const usable = (client: RedisClient) => client.redis.status !== 'end';
    const current = await connections.acquire(request, endpoint, key, usable, (vetted) => open(endpoint, vetted.address, request, key));
    if (!('client' in current)) return { ...current, durationMs: Math.round(performance.now() - started) };
    const done = connections.use(request.destinationId, current);
    const deadline = attemptDeadline(request.timeoutMs);
    try {
      const written = write(current.client, request);
      written.catch(() => undefined);
      const results = await Promise.race([written, deadline.promise]);
      const lines: string[] = [];
      const body = () => decodePrefix(Buffer.from(lines.join('\n')), keptResponseBytes);
      for (const [index, [error, entryId]] of results.entries()) {
        const entry = request.entries[index];
        if (entry === undefined) continue;
        if (error === null) {
          lines.push(`${entry.deliveryId} ${entry.stream} ${String(entryId)}`);
          continue;
        }
        // A reply about one entry (WRONGTYPE, OOM) leaves the connection usable; anything else drops it.
        if (replyText(error) === undefined) connections.drop(request.destinationId, current);
        const failure = describeRedisFailure(error, current.where, request.timeoutMs, entry.stream);
        return { ...failedAttempt(started, failure.code, failure.message), responseBody: body() };
      }
      return { result: { kind: 'response', status: 200 }, durationMs: Math.round(performance.now() - started), responseBody: body() };
    } catch (error) {
      connections.drop(request.destinationId, current);
      const reason = replyText(error) === undefined ? (current.client.tlsFailure ?? current.client.lastReply) : error;
      const failure = describeRedisFailure(reason, current.where, request.timeoutMs);
      return failedAttempt(started, failure.code, failure.message);
    } finally {
      deadline.clear();
      done();
    }
  }

  return connections.sender(send);
}
