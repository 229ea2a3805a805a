import { Type } from 'typebox';
import type { ApiContext, ApiInstance } from '../context.js';
import { refuseTwoCursors, resourceMissing } from '../errors.js';
import { parseCreatedRange, parseEventFilter } from '../event-filter.js';
import { toEventObject } from '../../store/event-object.js';
import { EventId, Event, ListEventsQuery, NoQuery, errorResponses, listOf } from '../schemas.js';
import { getEvent } from '../../store/get-event.js';
import { listEvents } from '../../store/list-events.js';

export function eventRoutes(app: ApiInstance, ctx: ApiContext): void {
  app.get(
    '/api/v1/events',
    {
      config: { scope: 'events:read' },
      schema: {
        operationId: 'listEvents',
        summary: 'List events',
        description:
          "The organization's events, newest first (by creation time, which the event id carries). Page with `starting_after` (older) or `ending_before` (newer): pages are keyset-based, so events arriving while you page never make you see one twice or miss one that existed when you started.",
        tags: ['events'],
        querystring: ListEventsQuery,
        response: { 200: listOf(Event, 'A page of events.'), ...errorResponses },
      },
    },
    async (request) => {
      const query = request.query;
      refuseTwoCursors(query);
      const { rows, hasMore } = await listEvents(ctx.query, {
        organizationId: request.organizationId,
        filter: parseEventFilter(query, ctx.catalogue),
        range: parseCreatedRange(query),
        limit: query.limit ?? 20,
        startingAfter: query.starting_after,
        endingBefore: query.ending_before,
      });
      return { object: 'list' as const, url: '/api/v1/events', has_more: hasMore, data: rows.map(toEventObject) };
    },
  );

  app.get(
    '/api/v1/events/:id',
    {
      config: { scope: 'events:read' },
      schema: {
        operationId: 'retrieveEvent',
        summary: 'Retrieve an event',
        tags: ['events'],
        params: Type.Object({ id: EventId }),
        querystring: NoQuery,
        response: { 200: Event, ...errorResponses },
      },
    },
    async (request) => {
      const row = await getEvent(ctx.query, request.organizationId, request.params.id);
      if (row === undefined) throw resourceMissing(`No such event: ${request.params.id}.`, 'id');
      return toEventObject(row);
    },
  );
}
