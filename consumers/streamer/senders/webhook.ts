import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { isIP, type LookupFunction } from 'node:net';
import { performance } from 'node:perf_hooks';
import { Agent, buildConnector, request } from 'undici';
import { isInternalAddress } from '../../../core/network-address.js';
import { signatureHeader } from '../../../core/webhook-signature.js';
import type { SendOutcome, WebhookRequest } from './types.js';

export interface WebhookSenderOptions {
  /** Hosts (lower case) that may be reached over http or at internal addresses: DESTINATION_ALLOWED_HOSTS. */
  readonly allowedHosts: readonly string[];
  /** The most response bytes read before the connection is dropped; the first 2,048 are kept. @defaultValue 65,536 */
  readonly maxResponseBytes?: number;
  /** @defaultValue `event-pipeline-webhooks/1` */
  readonly userAgent?: string;
}

export interface WebhookSender {
  /** One attempt; never rejects: every failure is an outcome. */
  send(request: WebhookRequest): Promise<SendOutcome>;
  /** Closes the kept-alive connections, after the attempts in flight. */
  close(): Promise<void>;
}

/** The first bytes of a response body kept for the delivery log. */
export const keptResponseBytes = 2048;

/** Connections kept per origin: many destinations share the process, one slow receiver must not take them all. */
const connectionsPerOrigin = 16;
/**
 * A TCP/TLS connect gives up after this (the longest destination timeout). An attempt's own
 * timeout ends the attempt sooner; the connect then finishes or fails in the background.
 */
const connectTimeoutMs = 60_000;

/** The headers the sender sets itself; a destination's headers never replace them. */
const ownHeaders = new Set([
  'host',
  'content-type',
  'content-length',
  'user-agent',
  'webhook-id',
  'webhook-timestamp',
  'webhook-signature',
]);

/** Thrown by the connector when a host is, or resolves to, an internal address it may not reach. */
class BlockedAddressError extends Error {
  readonly code = 'blocked_address';

  constructor(host: string, address: string) {
    const what = host === address ? `${host} is` : `${host} resolves to ${address},`;
    super(`${what} an internal address; the connection was refused. Add the host to DESTINATION_ALLOWED_HOSTS to allow it`);
  }
}

class AttemptTimeoutError extends Error {}

/**
 * Posts signed webhooks with undici. SSRF is checked on every connection, against the address
 * actually connected to, so a host that passed the check when its destination was created and
 * now resolves elsewhere (DNS rebinding) is still refused. Redirects are never followed.
 */
export function createWebhookSender(options: WebhookSenderOptions): WebhookSender {
  const allowed = new Set(options.allowedHosts.map(normalizeHost));
  const maxResponseBytes = options.maxResponseBytes ?? 65_536;
  const userAgent = options.userAgent ?? 'event-pipeline-webhooks/1';
  const dispatcher = new Agent({ connections: connectionsPerOrigin, connect: createGuardedConnector(allowed) });

  async function send(webhook: WebhookRequest): Promise<SendOutcome> {
    const started = performance.now();
    const elapsed = (): number => Math.round(performance.now() - started);
    const refusal = checkUrl(webhook.url, allowed);
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

    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(new AttemptTimeoutError()), webhook.timeoutMs);
    let statusCode: number | undefined;
    try {
      const extra = Object.entries(webhook.headers).filter(([name]) => !ownHeaders.has(name.toLowerCase()));
      const response = await request(webhook.url, {
        dispatcher,
        method: 'POST',
        headers: {
          ...Object.fromEntries(extra),
          'content-type': 'application/json',
          'user-agent': userAgent,
          'webhook-id': webhook.id,
          'webhook-timestamp': String(timestamp),
          'webhook-signature': signature,
        },
        body: webhook.body,
        signal: controller.signal,
        // Our abort bounds the attempt; undici's own timers are only a backstop behind it.
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
    close: () => dispatcher.close(),
  };
}

function normalizeHost(host: string): string {
  return host
    .trim()
    .replace(/^\[|\]$/g, '')
    .toLowerCase();
}

/** Refusals made before connecting: not http(s), or plain http to a host that is not allowed. */
function checkUrl(text: string, allowed: ReadonlySet<string>): { code: string; message: string } | undefined {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return { code: 'invalid_url', message: `${JSON.stringify(text)} is not a URL; fix the destination's webhook URL` };
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    return { code: 'insecure_url', message: `webhook URLs must be https (got ${url.protocol})` };
  const host = normalizeHost(url.hostname);
  if (url.protocol === 'http:' && !allowed.has(host)) {
    return {
      code: 'insecure_url',
      message: `webhook URLs must be https; http is allowed only for hosts in DESTINATION_ALLOWED_HOSTS (${host} is not)`,
    };
  }
  return undefined;
}

/**
 * undici's connector, guarded. Node's `net.connect` resolves a host name through `lookup` and
 * connects to what it returns, so checking there is checking the address connected to. An IP
 * literal skips `lookup` in Node, so it is checked before the connector is called.
 */
function createGuardedConnector(allowed: ReadonlySet<string>): buildConnector.connector {
  const lookup: LookupFunction = (hostname, lookupOptions, callback) => {
    // Every address of the host is checked, whichever Node then tries first (autoSelectFamily tries several).
    dnsLookup(hostname, { ...lookupOptions, all: true }, (error, addresses: LookupAddress[]) => {
      if (error) return callback(error, '', 0);
      const host = normalizeHost(hostname);
      const internal = allowed.has(host) ? undefined : addresses.find((entry) => isInternalAddress(entry.address));
      if (internal !== undefined) return callback(new BlockedAddressError(host, internal.address), '', 0);
      if (lookupOptions.all === true) return callback(null, addresses);
      const first = addresses[0];
      if (first === undefined) return callback(Object.assign(new Error(`${hostname} has no address`), { code: 'ENOTFOUND' }), '', 0);
      return callback(null, first.address, first.family);
    });
  };
  const connector = buildConnector({ lookup, timeout: connectTimeoutMs });
  return (connectOptions, callback) => {
    const host = normalizeHost(connectOptions.hostname);
    if (isIP(host) !== 0 && !allowed.has(host) && isInternalAddress(host)) return callback(new BlockedAddressError(host, host), null);
    return connector(connectOptions, callback);
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
  if (/^(ERR_SSL_|ERR_TLS_|CERT_|UNABLE_TO_|DEPTH_ZERO_|SELF_SIGNED_)/.test(code)) return 'TLS handshake failed: ';
  return '';
}

function errorCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null | undefined)?.code;
  return typeof code === 'string' && code !== '' ? code : undefined;
}
