import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { checkWebhookHeaders, checkWebhookUrl } from '../../core/destination-rules.js';
import { defineServerKind, SettingsRefused } from '../server-kind.js';
import { webhook } from './kind.js';
import { createWebhookSender } from './sender.js';

/** Webhooks: the URL's host is resolved and checked; each attempt is one signed POST. */
export const webhookServer = defineServerKind({
  kind: webhook,
  check: async (settings, context) => [
    ...checkWebhookHeaders(settings.headers),
    ...checkWebhookUrl(settings.url, await resolveUrlHost(settings.url, context.allowedHosts), context.allowedHosts),
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
        });
      },
    };
  },
  release: (sender, destinationId) => sender.release(destinationId),
  health: (sender) => ({ webhooks: sender.health() }),
});

/** What the URL's host resolves to: nothing to look up for an IP or an allowed host. */
async function resolveUrlHost(url: string, allowedHosts: ReadonlySet<string>): Promise<string[]> {
  let host: string;
  try {
    host = new URL(url).hostname.replace(/^\[|\]$/g, '');
  } catch {
    return [];
  }
  if (isIP(host) || allowedHosts.has(host.toLowerCase())) return [];
  try {
    return (await lookup(host, { all: true })).map((entry) => entry.address);
  } catch {
    throw new SettingsRefused('webhook.url', `The host ${host} does not resolve; check the URL.`);
  }
}
