import { setTimeout as sleep } from 'node:timers/promises';
import type { RegisteredSchema } from '../../adapters/registry.js';
import { entityTopic, valueSubject } from '../../core/topics.js';
import type { ApiContext, ApiInstance } from '../context.js';
import { EventType, NoQuery, errorResponses, listOf } from '../schemas.js';

const freshMs = 60_000;
const waitMs = 2_000;

export function eventTypeRoutes(app: ApiInstance, ctx: ApiContext): void {
  const versions = schemaVersions(ctx);

  app.get(
    '/api/v1/event-types',
    {
      config: { scope: 'events:read' },
      schema: {
        operationId: 'listEventTypes',
        summary: 'List event types',
        description:
          "The catalogue: every event type with its entity, description, default severity and source, and the current version of its entity's schema in the registry.",
        tags: ['event types'],
        querystring: NoQuery,
        response: { 200: listOf(EventType, 'Every event type.'), ...errorResponses },
      },
    },
    async () => {
      const schemas = await versions();
      const data = Object.entries(ctx.catalogue.entries).map(([name, entry]) => {
        const schema = schemas.get(entry.entity);
        return {
          object: 'event_type' as const,
          name,
          entity: entry.entity,
          description: entry.description,
          severity: entry.severity,
          source: entry.source,
          origin: entry.origin,
          schema: schema ? { subject: schema.subject, version: schema.version, id: schema.id } : null,
        };
      });
      return { object: 'list' as const, url: '/api/v1/event-types', has_more: false, data };
    },
  );
}

/**
 * The registry's latest schema per entity, refreshed at most once a minute. A request waits for a
 * refresh at most two seconds, so a slow or absent registry costs the catalogue its versions
 * (null), never its answer.
 */
function schemaVersions(ctx: ApiContext): () => Promise<Map<string, RegisteredSchema & { subject: string }>> {
  let known = new Map<string, RegisteredSchema & { subject: string }>();
  let fetchedAt = 0;
  let refreshing: Promise<void> | undefined;
  const entities = [...ctx.catalogue.entities];

  const refresh = async () => {
    const next = new Map(known);
    await Promise.all(
      entities.map(async (entity) => {
        const subject = valueSubject(entityTopic(ctx.topicPrefix, entity));
        const latest = await ctx.registry.latest(subject).catch(() => undefined);
        if (latest) next.set(entity, { ...latest, subject });
      }),
    );
    known = next;
    fetchedAt = Date.now();
  };

  return async () => {
    if (Date.now() - fetchedAt > freshMs) {
      refreshing ??= refresh().finally(() => (refreshing = undefined));
      await Promise.race([refreshing, sleep(waitMs)]);
    }
    return known;
  };
}
