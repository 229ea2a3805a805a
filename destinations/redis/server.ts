import { isEndpoint, parseEndpoint } from '../../core/endpoint-rules.js';
import { parseTemplate } from '../../core/field-template.js';
import { resolveForCheck } from '../endpoint-guard.js';
import { renderNames } from '../render-names.js';
import { defineServerKind, type PendingDelivery } from '../server-kind.js';
import { redis } from './kind.js';
import { checkRedisSettings, redisUrlRules, streamKeyProblem } from './rules.js';
import { createRedisSender, type RedisEntry } from './sender.js';

/** Redis streams: the URL's host is resolved and checked; an attempt writes a group of entries in one pipeline. */
export const redisServer = defineServerKind({
  kind: redis,
  check: async (settings, context) => {
    const endpoint = parseEndpoint(settings.url, redisUrlRules);
    const addresses = await resolveForCheck('redis.url', isEndpoint(endpoint) ? endpoint : undefined, context.allowedHosts);
    return checkRedisSettings(settings, addresses, context.allowedHosts, context.subscribed);
  },
  createSender: (environment) => createRedisSender({ logger: environment.logger, allowedHosts: environment.allowedHosts }),
  plan: (settings, sender, defaults) => {
    const template = parseTemplate(settings.stream);
    return {
      claim: { mode: 'group' },
      timeoutMs: defaults.timeoutMs,
      send: async (unit) => {
        const entries = renderNames('redis.stream', template, unit.deliveries, streamKeyProblem, entryOf);
        if (!Array.isArray(entries)) return entries;
        return sender.send({
          destinationId: unit.destinationId,
          url: settings.url,
          username: settings.username,
          password: settings.password,
          maxLen: settings.max_len,
          caPem: settings.ssl_ca_pem,
          timeoutMs: defaults.timeoutMs,
          entries,
        });
      },
    };
  },
  release: (sender, destinationId) => sender.release(destinationId),
});

/**
 * A delivery as a stream entry: `id` (the delivery id, the same on every retry: what a reader
 * deduplicates on), `event_id`, `type`, `entity_id`, then `event`, the event object as JSON.
 */
export function entryOf(delivery: PendingDelivery, stream: string): RedisEntry {
  return {
    deliveryId: delivery.id,
    stream,
    fields: [
      ['id', delivery.id],
      ['event_id', delivery.eventId],
      ['type', delivery.eventType],
      ['entity_id', delivery.entityId],
      ['event', delivery.payload],
    ],
  };
}
