import { expandPatterns } from '../../core/event-types.js';
import { createDeliveryId, eventIdTime } from '../../core/ids.js';
import { sampleEvent } from '../../schemas/sample-event.js';
import type { ApiContext, ApiInstance } from '../context.js';
import {
  Delivery,
  DeliveryId,
  DeliveryWithAttempts,
  ListAllDeliveriesQuery,
  ListDeliveriesQuery,
  Replay,
  ReplayResult,
  TestSend,
  type DeliveryObject,
} from '../delivery-schemas.js';
import { DestinationId } from '../destination-schemas.js';
import { ApiError, invalidParameter, refuseTwoCursors, resourceMissing } from '../errors.js';
import { parseCreatedRange } from '../event-filter.js';
import { NoQuery, errorResponses, listOf, type EventObject } from '../schemas.js';
import { getDelivery } from '../../store/get-delivery.js';
import { getDestination } from '../../store/destinations.js';
import { insertTestDelivery } from '../../store/insert-test-delivery.js';
import { listDeliveries, type DeliveryRow } from '../../store/list-deliveries.js';
import { replayDeliveries } from '../../store/replay-deliveries.js';
import { contentFilterMatches, storedContentFilter, type FilterNode } from '../../core/content-filter.js';
import { retryDelivery } from '../../store/retry-delivery.js';
import { noticeDueDeliveries } from '../../store/delivery-notices.js';

const replayWindowMaxMs = 90 * 86_400_000;

/** A content filter as a test of event objects; undefined when there is none (every event passes). */
function passesFilter(filter: FilterNode | null): ((event: unknown) => boolean) | undefined {
  return filter === null ? undefined : (event) => contentFilterMatches(filter, event);
}

/** The delivery log: every delivery with its attempts, a retry, a replay of a window, a test send. */
export function deliveryRoutes(app: ApiInstance, ctx: ApiContext): void {
  const tags = ['deliveries'];
  const missingDestination = (id: string) => resourceMissing(`No such destination: ${id}.`, 'id');
  const toObject = (row: DeliveryRow) => toDeliveryObject(row, ctx.eventRetentionDays);
  const wakeWorkers = (destinationId: string) => wakeDeliveryWorkers(app, ctx, destinationId);

  const list = async (
    organizationId: string,
    query: ListDeliveriesQuery & { destination_id?: string | undefined },
    url: string,
  ): Promise<{ object: 'list'; url: string; has_more: boolean; data: DeliveryObject[] }> => {
    refuseTwoCursors(query);
    const { limit = 20, starting_after: startingAfter, ending_before: endingBefore } = query;
    let types: readonly string[] | undefined;
    if (query.type !== undefined) {
      const expanded = expandPatterns([query.type], ctx.catalogue.types);
      if ('unknown' in expanded)
        throw invalidParameter('type', `No event type matches ${JSON.stringify(query.type)}; see GET /api/v1/event-types.`);
      types = expanded.types;
    }
    const range = parseCreatedRange(query);
    const asDelivery = (bound: string | undefined) => (bound === undefined ? undefined : `dlv_${bound.slice('evt_'.length)}`);
    const { rows, hasMore } = await listDeliveries(
      ctx.query,
      organizationId,
      {
        destinationId: query.destination_id,
        status: query.status,
        types,
        eventId: query.event_id,
        from: asDelivery(range.from),
        to: asDelivery(range.to),
      },
      limit,
      { startingAfter, endingBefore },
    );
    return { object: 'list', url, has_more: hasMore, data: rows.map(toObject) };
  };

  app.get(
    '/api/v1/destinations/:id/deliveries',
    {
      config: { scope: 'destinations:read' },
      schema: {
        operationId: 'listDestinationDeliveries',
        summary: "List a destination's deliveries",
        description: 'Newest first, with the same cursors as the events list. Filter by status, event type (or pattern) and time.',
        tags,
        params: DestinationId,
        querystring: ListDeliveriesQuery,
        response: { 200: listOf(Delivery, 'A page of deliveries, newest first.'), ...errorResponses },
      },
    },
    async (request) => {
      const { id } = request.params;
      if ((await getDestination(ctx.query, request.organizationId, id)) === undefined) throw missingDestination(id);
      return list(request.organizationId, { ...request.query, destination_id: id }, `/api/v1/destinations/${id}/deliveries`);
    },
  );

  app.get(
    '/api/v1/deliveries',
    {
      config: { scope: 'destinations:read' },
      schema: {
        operationId: 'listDeliveries',
        summary: 'List deliveries',
        description: "Every destination's deliveries, newest first; `event_id` gives where one event went.",
        tags,
        querystring: ListAllDeliveriesQuery,
        response: { 200: listOf(Delivery, 'A page of deliveries, newest first.'), ...errorResponses },
      },
    },
    async (request) => list(request.organizationId, request.query, '/api/v1/deliveries'),
  );

  app.get(
    '/api/v1/deliveries/:id',
    {
      config: { scope: 'destinations:read' },
      schema: {
        operationId: 'retrieveDelivery',
        summary: 'Retrieve a delivery',
        description:
          'With the event it carries and every attempt: time, outcome, duration, status code or error, the first 2 KB of the answer. An attempt is on record before it is sent: `sending` while it is made, `unknown` when the worker making it stopped before the answer.',
        tags,
        params: DeliveryId,
        querystring: NoQuery,
        response: { 200: DeliveryWithAttempts, ...errorResponses },
      },
    },
    async (request) => {
      const row = await getDelivery(ctx.query, request.organizationId, request.params.id);
      if (row === undefined) throw resourceMissing(`No such delivery: ${request.params.id}.`, 'id');
      return {
        ...toObject(row),
        event: row.payload as EventObject,
        attempts: row.attempts.map((attempt) => ({
          attempt: attempt.attempt,
          attempted_at: attempt.attempted_at.toISOString(),
          outcome: attempt.outcome,
          duration_ms: attempt.duration_ms,
          status_code: attempt.status_code,
          error: attempt.error,
          response_body: attempt.response_body,
          batch_id: attempt.batch_id,
        })),
      };
    },
  );

  app.post(
    '/api/v1/deliveries/:id/retry',
    {
      config: { scope: 'destinations:write' },
      schema: {
        operationId: 'retryDelivery',
        summary: 'Retry a delivery now',
        description:
          'Makes the delivery due at once, whatever its status, with its retry schedule restarted. The webhook-id stays the same.',
        tags,
        params: DeliveryId,
        response: { 200: Delivery, 409: errorResponses[400], ...errorResponses },
      },
    },
    async (request) => {
      const row = await retryDelivery(ctx.query, request.organizationId, request.params.id);
      if (row === undefined) throw resourceMissing(`No such delivery: ${request.params.id}.`, 'id');
      if (row === 'in_flight')
        throw new ApiError(
          409,
          'invalid_request_error',
          'delivery_in_flight',
          'An attempt of this delivery is in flight; retry once it ends.',
          'id',
        );
      await wakeWorkers(row.destination_id);
      return toObject(row);
    },
  );

  app.post(
    '/api/v1/destinations/:id/replay',
    {
      config: { scope: 'destinations:write' },
      schema: {
        operationId: 'replayDestination',
        summary: 'Replay deliveries',
        description:
          'Resends the failed deliveries (or, with `status: all`, every settled one) recorded in [since, until). Each keeps its webhook-id. Deliveries of events the current `filter` of the destination refuses are left alone.',
        tags,
        params: DestinationId,
        body: Replay,
        response: { 202: ReplayResult, ...errorResponses },
      },
    },
    async (request, reply) => {
      const { id } = request.params;
      const destination = await getDestination(ctx.query, request.organizationId, id);
      if (destination === undefined) throw missingDestination(id);
      const since = new Date(request.body.since);
      const until = request.body.until === undefined ? new Date() : new Date(request.body.until);
      if (until <= since) throw invalidParameter('until', 'until must be after since.');
      if (until.getTime() - since.getTime() > replayWindowMaxMs)
        throw invalidParameter('since', 'A replay window spans at most 90 days (the retention of deliveries).');
      const count = await replayDeliveries(ctx.query, request.organizationId, id, {
        since,
        until,
        status: (request.body.status ?? 'failed') as 'failed' | 'all',
        passes: passesFilter(storedContentFilter(destination.filter)),
      });
      if (count > 0) await wakeWorkers(id);
      return reply.code(202).send({ object: 'replay' as const, destination_id: id, deliveries: count });
    },
  );

  app.post(
    '/api/v1/destinations/:id/test',
    {
      config: { scope: 'destinations:write' },
      schema: {
        operationId: 'sendTestEvent',
        summary: 'Send a test event',
        description:
          'Sends a sample event of the chosen type to the destination, as a delivery flagged `test` (follow it with GET /deliveries/{id}).',
        tags,
        params: DestinationId,
        body: TestSend,
        response: { 202: Delivery, ...errorResponses },
      },
    },
    async (request, reply) => {
      const { id } = request.params;
      const destination = await getDestination(ctx.query, request.organizationId, id);
      if (destination === undefined) throw missingDestination(id);
      const type = request.body.event_type;
      if (ctx.catalogue.entries[type] === undefined)
        throw invalidParameter('event_type', `Unknown event type ${JSON.stringify(type)}; see GET /api/v1/event-types.`);
      if (!destination.active)
        throw invalidParameter('id', `${id} is not active (${destination.disabled_reason ?? 'paused'}); re-enable it to send a test.`);
      const row = await insertTestDelivery(ctx.query, {
        id: createDeliveryId(),
        organizationId: request.organizationId,
        destinationId: id,
        event: sampleEvent(type, request.organizationId),
      });
      await wakeWorkers(id);
      return reply.code(202).send(toObject(row));
    },
  );
}

/**
 * After deliveries were made due (a retry, a replay, a test send, a re-enable): the streamers claim
 * for the destination at once rather than at their next poll. A notice that cannot be sent only
 * costs that wait, so the request does not fail for it.
 */
export async function wakeDeliveryWorkers(app: ApiInstance, ctx: ApiContext, destinationId: string): Promise<void> {
  await noticeDueDeliveries(ctx.query, [destinationId], 'api').catch((error: unknown) =>
    app.log.warn({ err: error, destinationId }, 'waking the delivery workers failed; they find the deliveries at their next poll'),
  );
}

/** A delivery as the API serves it. `event_retained` says whether the event log still has the event. */
export function toDeliveryObject(row: DeliveryRow, eventRetentionDays: number): DeliveryObject {
  const retained = row.test ? false : eventRetentionDays === 0 || eventIdTime(row.event_id) >= Date.now() - eventRetentionDays * 86_400_000;
  return {
    id: row.id,
    object: 'delivery',
    destination_id: row.destination_id,
    event_id: row.event_id,
    event_type: row.event_type,
    entity_type: row.entity_type,
    entity_id: row.entity_id,
    status: row.status,
    test: row.test,
    times_attempted: row.times_attempted,
    last_attempt_at: row.last_attempt_at?.toISOString() ?? null,
    next_attempt_at: row.next_attempt_at?.toISOString() ?? null,
    delivered_at: row.delivered_at?.toISOString() ?? null,
    last_status_code: row.last_status_code,
    last_error: row.last_error,
    event_retained: retained,
    created_at: row.created_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
  };
}
