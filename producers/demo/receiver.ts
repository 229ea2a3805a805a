import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../../adapters/logger.js';
import { verifyWebhook } from '../../core/webhook-signature.js';
import { createRandom } from './random.js';

/**
 * The demo's webhook receiver: what a customer's endpoint does with the streamer's deliveries.
 * It checks each delivery's Standard Webhooks signature against the secrets of the demo
 * destination of the event's organization (re-reading them once when none matches, in case the
 * secret was rotated), logs it, and answers 200. To make the retry path visible it answers 503
 * with `Retry-After: 2` to a seeded share of first attempts; the streamer then sends the same
 * `webhook-id` again two seconds later.
 */
export interface DemoReceiverOptions {
  /** 0: any free port. */
  readonly port: number;
  /** The address it listens on. @defaultValue 127.0.0.1 */
  readonly host?: string;
  /** The host in its URL, when destinations reach it by another name (a container's). @defaultValue `host` */
  readonly advertisedHost?: string;
  readonly logger: Logger;
  /** The live signing secrets of the organization's demo destination; `refresh` re-reads them. */
  readonly secrets: (organizationId: string, refresh: boolean) => Promise<readonly string[]>;
  /** Share of first attempts answered 503 (0 to 1). */
  readonly retryShare: number;
  readonly seed: number;
  /** How far a `webhook-timestamp` may be from now, in seconds (the spec's replay window). @defaultValue 300 */
  readonly toleranceSeconds?: number;
}

export interface DemoReceiverStats {
  readonly received: number;
  readonly verified: number;
  readonly unverified: number;
  /** Answered 503 to show a retry. */
  readonly refused: number;
  /** Attempts after the first of the same webhook-id. */
  readonly retries: number;
}

export interface DemoReceiver {
  readonly port: number;
  /** `http://127.0.0.1:<port>/webhooks`: what the demo destinations point at. */
  readonly url: string;
  stats(): DemoReceiverStats;
  close(): Promise<void>;
}

export const demoReceiverPath = '/webhooks';
const maxBodyBytes = 1024 * 1024;
/** Attempts are counted per webhook-id for this many recent ids. */
const rememberedIds = 50_000;
/** An organization's secrets are re-read at most this often when a signature does not match, in ms. */
const refreshEveryMs = 5_000;

export async function startDemoReceiver(options: DemoReceiverOptions): Promise<DemoReceiver> {
  const { logger } = options;
  const host = options.host ?? '127.0.0.1';
  const tolerance = options.toleranceSeconds ?? 300;
  const random = createRandom(options.seed).fork('receiver');
  const attempts = new Map<string, number>();
  const refreshedAt = new Map<string, number>();
  const stats = { received: 0, verified: 0, unverified: 0, refused: 0, retries: 0 };

  const verify = async (organization: string, id: string, timestamp: string, signature: string, body: string): Promise<boolean> => {
    const seconds = Number(timestamp);
    if (!Number.isInteger(seconds) || Math.abs(Date.now() / 1000 - seconds) > tolerance || organization === '') return false;
    const matches = (secrets: readonly string[]) => secrets.some((secret) => verifyWebhook(secret, signature, id, seconds, body));
    if (matches(await options.secrets(organization, false))) return true;
    const last = refreshedAt.get(organization) ?? 0;
    if (Date.now() - last < refreshEveryMs) return false;
    refreshedAt.set(organization, Date.now());
    return matches(await options.secrets(organization, true));
  };

  const handle = async (request: http.IncomingMessage, response: http.ServerResponse): Promise<void> => {
    const path = (request.url ?? '/').split('?')[0];
    if (path !== demoReceiverPath) return answer(response, 404, { error: `deliveries go to ${demoReceiverPath}` });
    if (request.method !== 'POST') return answer(response, 405, { error: 'POST only' }, { allow: 'POST' });
    const body = await readBody(request);
    if (body === undefined) return answer(response, 413, { error: `bodies are at most ${maxBodyBytes} bytes` });

    const webhookId = header(request, 'webhook-id');
    const first = firstEvent(body);
    const organization = typeof first['organization_id'] === 'string' ? first['organization_id'] : '';
    const verified = await verify(
      organization,
      webhookId,
      header(request, 'webhook-timestamp'),
      header(request, 'webhook-signature'),
      body,
    ).catch((error: unknown) => {
      logger.warn({ err: error, organization }, 'reading the demo destination secrets failed');
      return false;
    });
    const attempt = (attempts.get(webhookId) ?? 0) + 1;
    attempts.delete(webhookId);
    attempts.set(webhookId, attempt);
    if (attempts.size > rememberedIds) attempts.delete(attempts.keys().next().value as string);
    const refuse = attempt === 1 && random.next() < options.retryShare;

    stats.received++;
    if (verified) stats.verified++;
    else stats.unverified++;
    if (attempt > 1) stats.retries++;
    if (refuse) stats.refused++;
    const fields = {
      webhookId,
      type: first['type'],
      eventId: first['id'],
      organization,
      verified,
      attempt,
      status: refuse ? 503 : 200,
    };
    if (verified) logger.info(fields, 'delivery received');
    else logger.warn(fields, 'delivery received');
    if (refuse) return answer(response, 503, { error: 'temporarily unavailable (the demo asks for a retry)' }, { 'retry-after': '2' });
    answer(response, 200, { received: true, verified });
  };

  const server = http.createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      logger.error({ err: error }, 'the demo receiver failed to handle a delivery');
      if (!response.headersSent) answer(response, 500, { error: 'the demo receiver failed' });
      else response.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;

  return {
    port,
    url: `http://${options.advertisedHost ?? host}:${port}${demoReceiverPath}`,
    stats: () => ({ ...stats }),
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      // A delivery in flight gets a second to be answered; the streamer resends what is cut off.
      const timer = setTimeout(() => server.closeAllConnections(), 1_000);
      await closed;
      clearTimeout(timer);
    },
  };
}

function header(request: http.IncomingMessage, name: string): string {
  const value = request.headers[name];
  return (Array.isArray(value) ? value[0] : value) ?? '';
}

function answer(response: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  response.writeHead(status, { 'content-type': 'application/json', ...headers });
  response.end(JSON.stringify(body));
}

/** The body as text, or undefined when it is larger than the limit. */
async function readBody(request: http.IncomingMessage): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxBodyBytes) return undefined;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** The delivered event (the first of a batch), or {} when the body is not one. */
function firstEvent(body: string): Record<string, unknown> {
  try {
    const parsed = JSON.parse(body) as unknown;
    const event = Array.isArray(parsed) ? (parsed[0] as unknown) : parsed;
    return typeof event === 'object' && event !== null ? (event as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}
