import { checkWebhookHeaders, checkWebhookUrl } from '../../core/destination-rules.js';
import { batchContentType, jsonContentType } from '../../core/payload-shape.js';
import { resolveUrlHost } from '../resolve-url-host.js';
import { defineServerKind } from '../server-kind.js';
import { webhook } from './kind.js';
import { createWebhookSender } from './sender.js';

/** Webhooks: the URL's host is resolved and checked; each attempt is one signed POST. */
export const webhookServer = defineServerKind({
  kind: webhook,
  check: async (settings, context) => [
    ...checkWebhookHeaders(settings.headers),
    ...checkWebhookUrl(settings.url, await resolveUrlHost(settings.url, context.allowedHosts, 'webhook.url'), context.allowedHosts),
  ],
  createSender: (environment) =>
    createWebhookSender({ allowedHosts: environment.allowedHosts, logger: environment.logger, onStalled: environment.onStalled }),
  plan: (settings, sender, defaults) => {
    const timeoutMs = settings.timeout_ms ?? defaults.timeoutMs;
    const batch = settings.batch ?? undefined;
    return {
      claim: batch ? { mode: 'batch', maxEvents: batch.max_events, maxWaitMs: batch.max_wait_ms } : { mode: 'single' },
      timeoutMs,
      send: (unit) => {
        const [first] = unit.deliveries;
        const single = first !== undefined && unit.deliveries.length === 1 && unit.batchId === null;
        return sender.send({
          destinationId: unit.destinationId,
          url: settings.url,
          headers: settings.headers ?? {},
          timeoutMs,
          connections: defaults.concurrency,
          secrets: unit.secrets,
          id: single ? first.id : (unit.batchId ?? first?.id ?? ''),
          body: single ? first.payload : `[${unit.deliveries.map((delivery) => delivery.payload).join(',')}]`,
          contentType: single ? (first.contentType ?? jsonContentType) : batchContentType(first?.contentType ?? jsonContentType),
        });
      },
    };
  },
  release: (sender, destinationId) => sender.release(destinationId),
  health: (sender) => ({ webhooks: sender.health() }),
});
