import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';

/** One request as a local receiver saw it, with whether its signature verified (standardwebhooks). */
export interface ReceivedWebhook {
  readonly id: string;
  /** The request's path and query, so one receiver can tell apart destinations pointed at it. */
  readonly path: string;
  readonly timestamp: string;
  readonly signature: string;
  /** The `content-type` header. */
  readonly contentType: string;
  readonly body: string;
  readonly json: unknown;
  readonly verified: boolean;
  readonly status: number;
  readonly at: number;
}

/** What the receiver answers a request with; `hang` never answers. */
export type ReceiverAnswer =
  { readonly status: number; readonly body?: string; readonly headers?: Record<string, string>; readonly delayMs?: number } | 'hang';

export interface WebhookReceiver {
  readonly url: string;
  readonly port: number;
  /** Every request, in arrival order. */
  readonly received: ReceivedWebhook[];
  /** The secret signatures are verified with (set it once the destination is created). */
  secret: string | undefined;
  /** How it answers from now on. */
  answer: (request: { id: string; json: unknown; seen: number }) => ReceiverAnswer;
  /** The requests it answered with a 2xx. */
  accepted(): ReceivedWebhook[];
  close(): Promise<void>;
}

/**
 * A real local HTTP receiver (like svix's tests do it): records every request, verifies the
 * Standard Webhooks signature with the `standardwebhooks` package, answers as told.
 * `port` lets a test bring a receiver up where a destination already points.
 */
export async function startWebhookReceiver(options: { port?: number; path?: string } = {}): Promise<WebhookReceiver> {
  const seen = new Map<string, number>();
  const hanging = new Set<http.ServerResponse>();
  const receiver: WebhookReceiver = {
    url: '',
    port: 0,
    received: [],
    secret: undefined,
    answer: () => ({ status: 204 }),
    accepted: () => receiver.received.filter((request) => request.status >= 200 && request.status < 300),
    close: async () => {
      for (const response of hanging) response.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const headers = {
        'webhook-id': String(request.headers['webhook-id'] ?? ''),
        'webhook-timestamp': String(request.headers['webhook-timestamp'] ?? ''),
        'webhook-signature': String(request.headers['webhook-signature'] ?? ''),
      };
      let verified = false;
      if (receiver.secret !== undefined) {
        try {
          new Webhook(receiver.secret).verify(body, headers);
          verified = true;
        } catch {
          verified = false;
        }
      }
      let json: unknown;
      try {
        json = JSON.parse(body);
      } catch {
        json = undefined;
      }
      const count = (seen.get(headers['webhook-id']) ?? 0) + 1;
      seen.set(headers['webhook-id'], count);
      const answer = receiver.answer({ id: headers['webhook-id'], json, seen: count });
      const status = answer === 'hang' ? 0 : answer.status;
      receiver.received.push({
        id: headers['webhook-id'],
        path: request.url ?? '',
        timestamp: headers['webhook-timestamp'],
        signature: headers['webhook-signature'],
        contentType: String(request.headers['content-type'] ?? ''),
        body,
        json,
        verified,
        status,
        at: Date.now(),
      });
      if (answer === 'hang') {
        hanging.add(response);
        return;
      }
      const respond = () => response.writeHead(answer.status, { 'content-type': 'text/plain', ...answer.headers }).end(answer.body ?? 'ok');
      if (answer.delayMs === undefined) respond();
      else setTimeout(respond, answer.delayMs);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  Object.assign(receiver, { port, url: `http://127.0.0.1:${port}${options.path ?? '/hook'}` });
  return receiver;
}
