import type { ApiContext, ApiInstance } from '../context.js';
import { invalidParameter, refuseTwoCursors, resourceMissing, unknownCursor } from '../errors.js';
import { changesOf, toEventObject } from '../../store/event-object.js';
import {
  Entity,
  EntityParams,
  EntitySummary,
  HistoryItem,
  ListEntitiesQuery,
  PageQuery,
  errorResponses,
  listOf,
  NoQuery,
} from '../schemas.js';
import { getEntity } from '../../store/get-entity.js';
import { getEvent } from '../../store/get-event.js';
import { listEntities } from '../../store/list-entities.js';
import { listEntityHistory } from '../../store/list-entity-history.js';

export function entityRoutes(app: ApiInstance, ctx: ApiContext): void {
  const checkType = (entityType: string) => {
    if (!ctx.catalogue.entities.has(entityType)) {
      throw invalidParameter(
        'entity_type',
        `Unknown entity type ${JSON.stringify(entityType)}; see GET /api/v1/event-types.`,
        'entity_type_unknown',
      );
    }
  };

  app.get(
    '/api/v1/entities',
    {
      config: { scope: 'events:read' },
      schema: {
        operationId: 'listEntities',
        summary: 'List entities',
        description:
          "The organization's entities of one type, most recently changed first (by the occurred_at of their newest event, then entity id). `q` keeps those whose id contains it, ignoring case. Cursors are entity ids of that type.",
        tags: ['entities'],
        querystring: ListEntitiesQuery,
        response: { 200: listOf(EntitySummary, 'A page of entities, most recently changed first.'), ...errorResponses },
      },
    },
    async (request) => {
      const { entity_type: entityType, q, limit = 20, starting_after: startingAfter, ending_before: endingBefore } = request.query;
      checkType(entityType);
      refuseTwoCursors(request.query);
      const page = await listEntities(ctx.query, {
        organizationId: request.organizationId,
        entityType,
        q,
        limit,
        startingAfter,
        endingBefore,
      });
      if (page === 'cursor_missing') throw unknownCursor(request.query, `the id of a ${entityType} of your organization`);
      return {
        object: 'list' as const,
        url: '/api/v1/entities',
        has_more: page.hasMore,
        data: page.rows.map((row) => ({
          object: 'entity' as const,
          organization_id: row.organization_id,
          entity_type: row.entity_type,
          entity_id: row.entity_id,
          data: row.data,
          deleted: row.deleted,
          version: Number(row.version),
          last_event_id: row.last_event_id,
          last_event_type: row.last_event_type,
          created_at: row.created_at.toISOString(),
          updated_at: row.updated_at.toISOString(),
        })),
      };
    },
  );

  app.get(
    '/api/v1/entities/:entity_type/:entity_id',
    {
      config: { scope: 'events:read' },
      schema: {
        operationId: 'retrieveEntity',
        summary: 'Retrieve an entity',
        description:
          "The entity's current state: the data of its newest event (by occurred_at, then event id), whether it is deleted, and that event.",
        tags: ['entities'],
        params: EntityParams,
        querystring: NoQuery,
        response: { 200: Entity, ...errorResponses },
      },
    },
    async (request) => {
      const { entity_type: entityType, entity_id: entityId } = request.params;
      checkType(entityType);
      const row = await getEntity(ctx.query, request.organizationId, entityType, entityId);
      if (row === undefined) throw resourceMissing(`No such ${entityType}: ${entityId}.`, 'entity_id');
      // The last event may be past retention while the state is kept.
      const last = await getEvent(ctx.query, request.organizationId, row.last_event_id);
      return {
        object: 'entity' as const,
        organization_id: row.organization_id,
        entity_type: row.entity_type,
        entity_id: row.entity_id,
        data: row.data,
        deleted: row.deleted,
        version: Number(row.version),
        last_event: last === undefined ? null : toEventObject(last),
        created_at: row.created_at.toISOString(),
        updated_at: row.updated_at.toISOString(),
      };
    },
  );

  app.get(
    '/api/v1/entities/:entity_type/:entity_id/history',
    {
      config: { scope: 'events:read' },
      schema: {
        operationId: 'listEntityHistory',
        summary: "List an entity's history",
        description:
          "The entity's events in its own order (occurred_at, then event id), oldest first, each with what it changed: every attribute of previous_attributes with its value before and after.",
        tags: ['entities'],
        params: EntityParams,
        querystring: PageQuery,
        response: { 200: listOf(HistoryItem, "A page of the entity's events."), ...errorResponses },
      },
    },
    async (request) => {
      const { entity_type: entityType, entity_id: entityId } = request.params;
      checkType(entityType);
      const { limit = 20, starting_after: startingAfter, ending_before: endingBefore } = request.query;
      refuseTwoCursors(request.query);
      const page = await listEntityHistory(ctx.query, {
        organizationId: request.organizationId,
        entityType,
        entityId,
        limit,
        startingAfter,
        endingBefore,
      });
      if (page === 'cursor_missing') throw unknownCursor(request.query, `an event of ${entityType} ${entityId}`);
      // No events: either no such entity, or retention dropped its events and kept its state.
      if (page.rows.length === 0 && startingAfter === undefined && endingBefore === undefined) {
        if ((await getEntity(ctx.query, request.organizationId, entityType, entityId)) === undefined) {
          throw resourceMissing(`No such ${entityType}: ${entityId}.`, 'entity_id');
        }
      }
      return {
        object: 'list' as const,
        url: `/api/v1/entities/${encodeURIComponent(entityType)}/${encodeURIComponent(entityId)}/history`,
        has_more: page.hasMore,
        data: page.rows.map((row) => {
          const event = toEventObject(row);
          return { ...event, changes: changesOf(event) };
        }),
      };
    },
  );
}
