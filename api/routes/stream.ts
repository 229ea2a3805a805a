import type { FastifyReply } from 'fastify';
import { Type } from 'typebox';
import { eventMatches, type EventFilter } from '../../core/event-filter.js';
import type { ApiContext, ApiInstance } from '../context.js';
import { invalidParameter } from '../errors.js';
import { parseEventFilter } from '../event-filter.js';
import { toEventObject } from '../../store/event-object.js';
import { EventId, StreamQuery, errorResponses } from '../schemas.js';
import {
  comparePositions,
  findEventPosition,
  readEventsAfter,
  type StreamPosition,
  type StreamRow,
} from '../../store/read-events-after.js';
import { createSseWriter, type SseWriter } from '../stream/sse-writer.js';

const catchUpPage = 500;

export function streamRoutes(app: ApiInstance, ctx: ApiContext): void {
  app.get(
    '/api/v1/events/stream',
    {
      config: { scope: 'events:read' },
      schema: {
        operationId: 'streamEvents',
        summary: 'Follow events live (Server-Sent Events)',
        description: [
          "A live tail of the organization's events as `text/event-stream`, with the list's filters. Each event is one SSE message whose `id` is the event id and whose `data` is the event object.",
          "Send `Last-Event-ID` (browsers' EventSource does on reconnect), or `last_event_id`, to resume after that event: the stored events that follow it are sent first, then the live ones, with no gap and no repeat.",
          "Events come in the order they were stored, which across entities may differ from id order. A comment line (`: heartbeat`) is sent every 15 s. A client that reads too slowly to keep its unread backlog under the server's limit gets a final `error` event (`client_too_slow`) and is disconnected; it resumes with Last-Event-ID.",
          'Each API process keeps a limited number of live tails open per key, per organization and per client address (`API_STREAMS_PER_KEY`, `API_STREAMS_PER_ORG`, `API_STREAMS_PER_CLIENT`); past one, the answer is `429 stream_limit_reached`.',
        ].join('\n\n'),
        tags: ['events'],
        querystring: StreamQuery,
        headers: Type.Object({ 'last-event-id': Type.Optional(EventId) }),
        produces: ['text/event-stream'],
        response: {
          200: Type.String({ description: 'An endless text/event-stream.' }),
          ...errorResponses,
        },
      },
    },
    async (request, reply) => {
      const filter = parseEventFilter(request.query, ctx.catalogue);
      const organizationId = request.organizationId;
      const resumeId = request.query.last_event_id ?? request.headers['last-event-id'];
      let resumeFrom: StreamPosition | undefined;
      if (resumeId !== undefined) {
        resumeFrom = await findEventPosition(ctx.query, organizationId, resumeId);
        const param = request.query.last_event_id !== undefined ? 'last_event_id' : 'Last-Event-ID';
        if (resumeFrom === undefined) {
          throw invalidParameter(
            param,
            `No event ${resumeId} in this organization to resume after (it may be past retention); reconnect without it to follow from now.`,
          );
        }
      }
      const release = ctx.streamSlots.acquire({ keyId: request.apiKey.id, organizationId, client: request.ip });
      try {
        await follow(ctx, reply, organizationId, filter, resumeFrom, release);
      } catch (error) {
        release();
        throw error;
      }
    },
  );
}

/**
 * Streams to one client. It joins the organization's feed first, holding what the feed sends
 * while it catches up from the store up to the position the feed stood at when it joined; then it
 * sends what it held (all after that position) and goes live. Every position is final (see
 * readEventsAfter), so the two parts meet with nothing missing and nothing twice.
 */
async function follow(
  ctx: ApiContext,
  reply: FastifyReply,
  organizationId: string,
  filter: EventFilter,
  resumeFrom: StreamPosition | undefined,
  release: () => void,
): Promise<void> {
  const held: { row: StreamRow; position: StreamPosition }[] = [];
  let live = false;
  // The writer exists once the response is taken over, after joining the feed (which may fail with a 503).
  const client: { writer?: SseWriter } = {};
  const maxHeld = 50_000;
  const send = (row: StreamRow) => {
    if (!eventMatches(filter, row)) return true;
    ctx.metrics.streamEvents.inc();
    return client.writer?.send(row.id, JSON.stringify(toEventObject(row))) ?? false;
  };
  const listener = {
    onEvent(row: StreamRow, position: StreamPosition) {
      if (live) send(row);
      else if (held.length < maxHeld) held.push({ row, position });
      else client.writer?.fail('client_too_slow', 'Too many events arrived while catching up; reconnect with Last-Event-ID to resume.');
    },
  };
  const subscription = await ctx.feeds.subscribe(organizationId, listener);

  reply.hijack();
  const response = reply.raw;
  response.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache, no-transform',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
    'request-id': reply.request.id,
  });
  ctx.metrics.streamClients.inc();
  const writer = createSseWriter(response, {
    maxBufferBytes: ctx.stream.maxBufferBytes,
    heartbeatMs: ctx.stream.heartbeatMs,
    onClose: (reason) => {
      subscription.unsubscribe();
      release();
      ctx.metrics.streamClients.dec();
      if (reason !== 'client') ctx.metrics.streamDropped.inc({ reason });
    },
  });
  client.writer = writer;

  let cursor = resumeFrom ?? subscription.position;
  try {
    catchUp: while (resumeFrom !== undefined && comparePositions(cursor, subscription.position) < 0 && !writer.closed) {
      const rows = await readEventsAfter(ctx.query, organizationId, cursor, catchUpPage);
      for (const row of rows) {
        const position = { txId: BigInt(row.tx_id), id: row.id };
        if (comparePositions(position, subscription.position) > 0) break catchUp; // the feed has the rest
        send(row);
        cursor = position;
        await writer.drained();
      }
      if (rows.length < catchUpPage) break;
    }
  } catch (error) {
    reply.request.log.warn({ err: error }, 'live tail catch-up failed');
    writer.fail('stream_failed', 'Reading the stored events failed; reconnect with Last-Event-ID to resume.');
    return;
  }
  for (const { row, position } of held.splice(0)) {
    if (comparePositions(position, cursor) > 0) send(row);
  }
  live = true;
}
