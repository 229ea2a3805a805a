import { performance } from 'node:perf_hooks';
import { Pool, request } from 'undici';
import type { Logger } from '../../adapters/logger.js';
import { isTlsFailureCode, tlsFailureReason } from '../../core/certificate-codes.js';
import { checkWebhookHeaders } from '../../core/destination-rules.js';
import { signatureHeader } from '../../core/webhook-signature.js';
import type { SendOutcome } from '../send-outcome.js';
import { BlockedAddressError, checkUrl, createGuardedConnector, normalizeHost } from './guard.js';
import { createDestinationPools, type PoolLease } from './pools.js';
import { jsonContentType } from '../../core/payload-shape.js';

/** A webhook request: one event (a JSON object) or a batch (a JSON array), signed as one message. */
export interface WebhookRequest {
  /** The destination's id: its attempts share connections with no other destination's. */
  readonly destinationId: string;
  readonly url: string;
  /** Extra headers of the destination, as stored: the sender checks them again before each attempt. */
  readonly headers: Readonly<Record<string, string>>;
  readonly timeoutMs: number;
  /** Connections kept open to the destination: its concurrency, so every attempt in flight has one. */
  readonly connections: number;
  /** Live signing secrets, current first: the header carries one signature per secret. */
  readonly secrets: readonly string[];
  /** `webhook-id`: the delivery's (or batch's) id, the same on every retry. */
  readonly id: string;
  /** The JSON text sent and signed. */
  readonly body: string;
  /** Its media type. @defaultValue `application/json` */
  readonly contentType?: string;
}

export interface WebhookSenderOptions {
  /** Hosts (lower case) that may be reached over http or at internal addresses: DESTINATION_ALLOWED_HOSTS. */
  readonly allowedHosts: readonly string[];
  /** The most response bytes read before the connection is dropped; the first 2,048 are kept. @defaultValue 65,536 */
  readonly maxResponseBytes?: number;
  /** @defaultValue `event-pipeline-webhooks/1` */
  readonly userAgent?: string;
  /** Where an abandoned attempt is logged. @defaultValue none */
  readonly logger?: Logger | undefined;
  /** Called with the destination's id for every attempt the watchdog abandons (a metric). */
  readonly onStalled?: ((destinationId: string) => void) | undefined;
  /**
   * An attempt still unsettled this long after its timeout is abandoned and its destination's
   * connections destroyed, in ms. Shorter than the dispatcher's lease margin (10 s), so the
   * outcome is recorded before the lease runs out. @defaultValue 2,000
   */
  readonly stallMarginMs?: number;
  /** A destination's connection pool unused for this long is closed, in ms. @defaultValue 60,000 */
  readonly idlePoolMs?: number;
  /** How long `close()` lets connections close gracefully before destroying them, in ms. @defaultValue 5,000 */
  readonly closeDeadlineMs?: number;
}

/** The webhook part of the streamer's `/healthz`. */
export interface WebhookSenderHealth {
  /** `degraded` while an attempt was abandoned in the last 5 minutes. */
  readonly state: 'ok' | 'degraded';
  /** Attempts the watchdog abandoned since the streamer started. */
  readonly stalledAttempts: number;
  readonly lastStalledAt?: string;
  /** Destinations with a connection pool open. */
  readonly pools: number;
}

export interface WebhookSender {
  /** One attempt; never rejects: every failure is an outcome. */
  send(request: WebhookRequest): Promise<SendOutcome>;
  /** Closes a destination's connections once its attempts end (it was deleted or paused). */
  release(destinationId: string): void;
  health(): WebhookSenderHealth;
  /** Closes every connection: gracefully up to the close deadline, then by force. */
  close(): Promise<void>;
}

/** The first bytes of a response body kept for the delivery log. */
export const keptResponseBytes = 2048;

/**
 * A TCP/TLS connect gives up after the attempt's timeout, at most this. An aborted attempt still
 * waits for a connect in progress (undici hands it the abort only once connected), so the
 * connect must not outlive the attempt.
 */
const maxConnectTimeoutMs = 60_000;
/** A watchdog abandonment within this long makes the webhooks' health `degraded`. */
const recentStallMs = 5 * 60_000;

/** What the attempts still on a pool fail with when another attempt's stall destroys it. */
class ConnectionsResetError extends Error {
  readonly code = 'connections_reset';

  constructor() {
    super("an attempt to this destination stalled past its timeout, so the destination's connections were reset");
  }
}

class AttemptTimeoutError extends Error {}

/**
 * Posts signed webhooks with undici. SSRF is checked on every connection, against the address
 * actually connected to, so a host that passed the check when its destination was created and
 * now resolves elsewhere (DNS rebinding) is still refused. Redirects are never followed.
 *
 * Each destination has connections of its own (webhook-pools.ts), its headers are checked again
 * before each attempt, and a watchdog abandons an attempt undici does not end after its timeout:
 * one destination cannot leave connections another one needs busy, nor hold a worker slot for ever.
 */
export function createWebhookSender(options: WebhookSenderOptions): WebhookSender {
  const allowed = new Set(options.allowedHosts.map(normalizeHost));
  const maxResponseBytes = options.maxResponseBytes ?? 65_536;
  const userAgent = options.userAgent ?? 'event-pipeline-webhooks/1';
  const stallMarginMs = options.stallMarginMs ?? 2_000;
  const pools = createDestinationPools({
    // Keep-alive connections, as many as the destination may have attempts in flight. No HTTP/1.1
    // pipelining: undici does not pipeline a POST (not idempotent), and behind a slow answer the
    // requests queued on its connection would wait for it.
    createPool: (origin, { connectTimeoutMs, connections }) =>
      new Pool(origin, { connections, connect: createGuardedConnector(allowed, connectTimeoutMs) }),
    idleMs: options.idlePoolMs ?? 60_000,
    retireDeadlineMs: maxConnectTimeoutMs + 10_000,
  });
  let stalledAttempts = 0;
  let lastStalledAt: number | undefined;

  async function send(webhook: WebhookRequest): Promise<SendOutcome> {
    const started = performance.now();
    const elapsed = (): number => Math.round(performance.now() - started);
    // Before any connection: undici throws on some headers (CR/LF, upgrade…) in a way that leaves a connection busy for good.
    const refusal = checkUrl(webhook.url, allowed) ?? checkHeaders(webhook.headers);
    if (refusal) return { result: { kind: 'error', code: refusal.code }, durationMs: elapsed(), error: refusal.message };

    const timestamp = Math.floor(Date.now() / 1000);
    let signature: string;
    try {
      signature = signatureHeader(webhook.secrets, webhook.id, timestamp, webhook.body);
    } catch (thrown) {
      const reason = thrown instanceof Error ? thrown.message : String(thrown);
      return {
        result: { kind: 'error', code: 'invalid_secret' },
        durationMs: elapsed(),
        error: `cannot sign: ${reason}; rotate the destination's secret`,
      };
    }

    let lease: PoolLease;
    try {
      lease = pools.lease(webhook.destinationId, new URL(webhook.url).origin, {
        connectTimeoutMs: Math.min(webhook.timeoutMs, maxConnectTimeoutMs),
        connections: webhook.connections,
      });
    } catch (thrown) {
      const failure = describeFailure(thrown, webhook.url);
      return { result: { kind: 'error', code: failure.code }, durationMs: elapsed(), error: failure.message };
    }
    let watchdog: NodeJS.Timeout | undefined;
    const abandoned = new Promise<undefined>((resolve) => {
      watchdog = setTimeout(() => resolve(undefined), webhook.timeoutMs + stallMarginMs);
    });
    const own = {
      'content-type': webhook.contentType ?? jsonContentType,
      'user-agent': userAgent,
      'webhook-id': webhook.id,
      'webhook-timestamp': String(timestamp),
      'webhook-signature': signature,
    };
    const outcome = await Promise.race([post(lease.pool, webhook, own, elapsed), abandoned]);
    clearTimeout(watchdog);
    if (outcome !== undefined) {
      lease.done();
      return outcome;
    }
    // undici did not end the attempt when it was aborted: its request sits where no abort reaches.
    lease.reset(new ConnectionsResetError());
    stalledAttempts++;
    lastStalledAt = Date.now();
    options.logger?.error(
      { destinationId: webhook.destinationId, timeoutMs: webhook.timeoutMs },
      "webhook attempt still unsettled after its timeout: abandoned, and the destination's connections destroyed",
    );
    options.onStalled?.(webhook.destinationId);
    return {
      result: { kind: 'timeout' },
      durationMs: elapsed(),
      error: `no response within ${webhook.timeoutMs} ms, and the attempt did not end when aborted; it was abandoned and the connections to this destination were reset`,
    };
  }

  /** The request itself; never rejects. Our abort bounds it; undici's own timers are only a backstop. */
  async function post(pool: Pool, webhook: WebhookRequest, own: Record<string, string>, elapsed: () => number): Promise<SendOutcome> {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(new AttemptTimeoutError()), webhook.timeoutMs);
    let statusCode: number | undefined;
    try {
      const response = await request(webhook.url, {
        dispatcher: pool,
        method: 'POST',
        headers: { ...webhook.headers, ...own },
        body: webhook.body,
        signal: controller.signal,
        headersTimeout: webhook.timeoutMs + 1_000,
        bodyTimeout: webhook.timeoutMs + 1_000,
      });
      statusCode = response.statusCode;
      const body = await readPrefix(response.body, maxResponseBytes);
      const status = response.statusCode;
      return {
        result: { kind: 'response', status, retryAfter: firstHeader(response.headers['retry-after']) },
        durationMs: elapsed(),
        statusCode: status,
        responseBody: decodePrefix(body, keptResponseBytes),
        error: describeStatus(status, firstHeader(response.headers.location)),
      };
    } catch (thrown) {
      if (controller.signal.aborted || isUndiciTimeout(thrown)) {
        const error =
          statusCode === undefined
            ? `no response within ${webhook.timeoutMs} ms`
            : `no complete response within ${webhook.timeoutMs} ms (HTTP ${statusCode} started, the body did not finish)`;
        return { result: { kind: 'timeout' }, durationMs: elapsed(), statusCode, error };
      }
      const failure = describeFailure(thrown, webhook.url);
      return { result: { kind: 'error', code: failure.code }, durationMs: elapsed(), statusCode, error: failure.message };
    } finally {
      clearTimeout(timer);
    }
  }

  return {
    send,
    release: (destinationId) => pools.release(destinationId),
    health: () => {
      const recent = lastStalledAt !== undefined && Date.now() - lastStalledAt < recentStallMs;
      return {
        state: recent ? 'degraded' : 'ok',
        stalledAttempts,
        ...(lastStalledAt === undefined ? {} : { lastStalledAt: new Date(lastStalledAt).toISOString() }),
        pools: pools.size,
      };
    },
    close: () => pools.close(options.closeDeadlineMs ?? 5_000),
  };
}

/** A destination's headers against the API's rules, so a row stored past them never reaches undici. */
function checkHeaders(headers: unknown): { code: string; message: string } | undefined {
  const problems = checkWebhookHeaders(headers);
  const first = problems[0];
  if (first === undefined) return undefined;
  const more = problems.length > 1 ? ` (and ${problems.length - 1} more)` : '';
  return {
    code: 'invalid_header',
    message: `invalid header: ${first.message}${more}; nothing was sent, fix the destination's headers (invalid_header)`,
  };
}

/**
 * Reads at most `limit` bytes of a body, then stops: leaving the loop destroys the stream, which
 * drops the connection rather than draining a huge or endless body. A body read to its end leaves
 * the connection reusable.
 */
async function readPrefix(body: AsyncIterable<Buffer>, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    chunks.push(chunk);
    size += chunk.length;
    if (size >= limit) break;
  }
  return Buffer.concat(chunks, Math.min(size, limit));
}

/**
 * The first `maxBytes` of a body as text for the delivery log: invalid UTF-8 becomes U+FFFD, a
 * character cut by the limit is dropped, and NUL (which a PostgreSQL text column refuses) becomes
 * U+FFFD too. The result is at most `maxBytes` bytes of UTF-8.
 */
export function decodePrefix(bytes: Uint8Array, maxBytes: number): string | undefined {
  if (bytes.length === 0) return undefined;
  // `stream: true` holds back an incomplete sequence at the end instead of replacing it.
  const text = new TextDecoder('utf-8', { fatal: false }).decode(bytes.subarray(0, maxBytes), { stream: true }).replaceAll('\0', '\uFFFD');
  if (Buffer.byteLength(text) <= maxBytes) return text;
  // Replacement characters take 3 bytes for 1 invalid byte: cut again, on a code point.
  let kept = '';
  let size = 0;
  for (const char of text) {
    size += Buffer.byteLength(char);
    if (size > maxBytes) break;
    kept += char;
  }
  return kept;
}

function firstHeader(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function describeStatus(status: number, location: string | undefined): string | undefined {
  if (status >= 200 && status < 300) return undefined;
  if (status >= 300 && status < 400)
    return `redirects are not followed (${status} to ${location ?? 'no Location'}); point the destination at the final URL`;
  return `HTTP ${status}`;
}

function isUndiciTimeout(thrown: unknown): boolean {
  const code = (thrown as { code?: unknown } | null)?.code;
  return code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT';
}

/** A connection-level failure as a stable code (the system or undici code) and words naming the origin. */
function describeFailure(thrown: unknown, url: string): { code: string; message: string } {
  if (thrown instanceof BlockedAddressError) return { code: thrown.code, message: thrown.message };
  const error = thrown instanceof Error ? thrown : new Error(String(thrown));
  // Node reports a failed connect to every address of a host (autoSelectFamily) as an AggregateError.
  const inner = error instanceof AggregateError && error.errors.length > 0 ? (error.errors[0] as Error) : error;
  const code = errorCode(error) ?? errorCode(inner) ?? errorCode(error.cause) ?? 'request_failed';
  // OpenSSL messages carry a source path and a newline; one line is enough.
  const detail = inner.message.replace(/\s+/g, ' ').trim() || code;
  const origin = URL.canParse(url) ? new URL(url).origin : url;
  return { code, message: `${origin}: ${failureHint(code)}${detail} (${code})` };
}

/** What a code means, for the codes an operator meets most. */
function failureHint(code: string): string {
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return 'the host name does not resolve: ';
  if (code === 'ECONNREFUSED') return 'nothing accepts connections there: ';
  if (code === 'ECONNRESET' || code === 'UND_ERR_SOCKET' || code === 'EPIPE') return 'the server closed the connection: ';
  if (!isTlsFailureCode(code)) return '';
  // A webhook trusts the system's CAs only: there is no CA of the destination's to set.
  switch (tlsFailureReason(code)) {
    case 'untrusted':
      return "TLS handshake failed: no CA the system trusts signed the receiver's certificate; it needs one from a public CA: ";
    case 'expired':
      return "TLS handshake failed: the receiver's certificate is not valid now; its operator must renew it: ";
    case 'misnamed':
      return "TLS handshake failed: the receiver's certificate is for another host; use a URL whose host it names: ";
    case 'not-tls':
      return 'TLS handshake failed: the receiver does not answer in TLS there; check the https URL and its port: ';
    case 'other':
      return 'TLS handshake failed: ';
  }
}

function errorCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null | undefined)?.code;
  return typeof code === 'string' && code !== '' ? code : undefined;
}
