import { startWebhookReceiver, type ReceivedWebhook, type ReceiverAnswer, type WebhookReceiver } from '../test/harness/webhook-receiver.js';

/**
 * The destination's far end: a real local HTTP server (test/harness/webhook-receiver.ts) that
 * checks every signature with the `standardwebhooks` package and keeps every request, so the
 * requests it saw can be set against the attempts the streamer logged.
 */
export interface Receiver {
  readonly url: string;
  readonly received: readonly ReceivedWebhook[];
  /** The signing secret, once the destination exists. */
  setSecret(secret: string): void;
  /** Answers 2xx after 0-20 ms, as a healthy receiver does. */
  answerHealthy(): void;
  /** Answers 503 with `Retry-After: <seconds>` to everything. */
  answerUnavailable(retryAfterSeconds: number): void;
  /** Requests per `webhook-id`. */
  requestsById(): Map<string, number>;
  /** When the first request after `since` was accepted (2xx), optionally only for events `accept` takes. */
  firstAcceptedAfter(since: number, accept?: (event: { id?: unknown; type?: unknown }) => boolean): number | undefined;
  close(): Promise<void>;
}

const healthy = (): ReceiverAnswer => ({ status: 204, delayMs: Math.floor(Math.random() * 20) });

export async function startReceiver(): Promise<Receiver> {
  const server: WebhookReceiver = await startWebhookReceiver({ path: '/webhooks' });
  server.answer = healthy;
  return {
    url: server.url,
    received: server.received,
    setSecret(secret) {
      server.secret = secret;
    },
    answerHealthy() {
      server.answer = healthy;
    },
    answerUnavailable(retryAfterSeconds) {
      server.answer = () => ({ status: 503, headers: { 'retry-after': String(retryAfterSeconds) }, body: 'unavailable' });
    },
    requestsById() {
      const counts = new Map<string, number>();
      for (const request of server.received) counts.set(request.id, (counts.get(request.id) ?? 0) + 1);
      return counts;
    },
    firstAcceptedAfter(since, accept) {
      for (const request of server.received) {
        if (request.at <= since || request.status < 200 || request.status >= 300) continue;
        if (accept !== undefined && !accept(request.json ?? {})) continue;
        return request.at;
      }
      return undefined;
    },
    close: () => server.close(),
  };
}
