import { createHash } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { EventError, PipelineError, eventErrorCodes } from '../../adapters/errors.js';
import type { EventInput } from '../../core/build-event.js';
import type { EventSeverity, EventSource } from '../../core/event-schema.js';
import { createEventId } from '../../core/ids.js';
import { claimIngestKey, completeIngestKey, forgetIngestKey, releaseIngestKey, renewIngestKey } from '../../store/ingest-requests.js';
import type { ApiContext, ApiInstance, Ingest, IngestResult } from '../context.js';
import { ApiError } from '../errors.js';
import { BatchReceipt, EventBatch, EventReceipt, EventToPublish, IdempotencyHeaders, maxBatchEvents } from '../ingest-schemas.js';
import { ErrorBody, errorResponses } from '../schemas.js';

/**
 * A request holds its idempotency key this long, renewed every `keyRenewMs` while its events are
 * sent (the publisher's own timeouts are 30 s each): a key whose API process died (killed, out of
 * memory) frees itself within `keyLockMs`, and a retry then publishes the same event ids.
 */
const keyLockMs = 10_000;
const keyRenewMs = 3_000;

const ingestResponses = { ...errorResponses, 409: ErrorBody, 503: ErrorBody } as const;

interface Answer {
  readonly status: number;
  readonly body: unknown;
}

/**
 * HTTP ingest: publishing from any language. Each request is answered once Kafka acknowledged its
 * events (acks=all), with where each landed. An `Idempotency-Key` (or, for one event, its own
 * `id`) makes a retry within 24 hours get the first answer back instead of publishing again; a
 * retry after a failure publishes the same event ids, which consumers store once.
 */
export function ingestRoutes(app: ApiInstance, ctx: ApiContext): void {
  app.post(
    '/api/v1/events',
    {
      config: { scope: 'events:write' },
      schema: {
        operationId: 'publishEvent',
        summary: 'Publish an event',
        description:
          "Validates the event against its type's registered schema (every problem is listed in `error.details`, by field path) and answers once Kafka acknowledged it. The organization is the key's.",
        tags: ['events'],
        headers: IdempotencyHeaders,
        body: EventToPublish,
        response: { 200: EventReceipt, ...ingestResponses },
      },
    },
    async (request, reply) => {
      const event = request.body;
      refuseOtherOrganizations([event], request.organizationId, '');
      const key = request.headers['idempotency-key'] ?? (event.id === undefined ? undefined : `event:${event.id}`);
      return idempotent(ctx, request, reply, key, [event.id], async ([id]) => {
        const result = await publishing(request, () =>
          ingestOf(ctx).publishUntyped(event.type, toInput(event, request.organizationId, id)),
        );
        return { status: 200, body: receiptOf(event.type, result) };
      });
    },
  );

  app.post(
    '/api/v1/events/batch',
    {
      config: { scope: 'events:write' },
      schema: {
        operationId: 'publishEvents',
        summary: 'Publish events',
        description: `Up to ${maxBatchEvents} events, all checked before any is published: one wrong event publishes none (400 \`event_invalid\`, every problem in \`error.details\` by \`events[i]\` path). 200 once Kafka acknowledged every event; 207 when it took only some, each event saying where it landed or why not.`,
        tags: ['events'],
        headers: IdempotencyHeaders,
        body: EventBatch,
        response: { 200: BatchReceipt, 207: BatchReceipt, ...ingestResponses },
      },
    },
    async (request, reply) => {
      const { events } = request.body;
      refuseOtherOrganizations(events, request.organizationId, 'events');
      const key = request.headers['idempotency-key'];
      return idempotent(
        ctx,
        request,
        reply,
        key,
        events.map((event) => event.id),
        async (ids) => {
          const inputs = events.map((event, index) => ({ ...toInput(event, request.organizationId, ids[index]), type: event.type }));
          const settled = await publishing(request, () => ingestOf(ctx).publishBatchSettled(inputs));
          const data = settled.map((outcome, index) => {
            const type = events[index]?.type ?? '';
            if (outcome.status === 'fulfilled') return { ...receiptOf(type, outcome.value), status: 'published' as const };
            request.log.warn({ err: outcome.reason, index }, 'an event of a batch was not acknowledged');
            return {
              object: 'event_receipt' as const,
              id: ids[index] ?? '',
              type,
              status: 'failed' as const,
              error: failureOf(outcome.reason),
            };
          });
          const failed = data.filter((item) => item.status === 'failed').length;
          if (failed === data.length) throw notAcknowledged(`None of the ${data.length} events was acknowledged`);
          return { status: failed === 0 ? 200 : 207, body: { object: 'list', url: '/api/v1/events/batch', has_more: false, data } };
        },
      );
    },
  );
}

/**
 * An entity that says it belongs to another organization than the key's is refused: the event
 * would be stored under the key's organization with data claiming another's.
 */
function refuseOtherOrganizations(events: readonly EventToPublish[], organizationId: string, prefix: string): void {
  const details = events.flatMap((event, index) => {
    const claimed = event.data['organization_id'];
    if (claimed === undefined || claimed === organizationId) return [];
    const param = `${prefix === '' ? '' : `${prefix}[${index}].`}data.organization_id`;
    return [
      {
        param,
        message: `must be ${JSON.stringify(organizationId)}, the organization of the API key, or left out; got ${JSON.stringify(claimed)}`,
      },
    ];
  });
  if (details.length > 0) {
    const message = `The data of ${details.length === 1 ? 'an event' : `${details.length} events`} names another organization than the API key's; nothing was published.`;
    throw new ApiError(400, 'invalid_request_error', 'event_invalid', message, details[0]?.param, details);
  }
}

function ingestOf(ctx: ApiContext): Ingest {
  if (ctx.ingest === undefined) {
    throw new ApiError(503, 'api_error', 'service_unavailable', 'This API runs without a Kafka publisher, so it cannot take events.');
  }
  return ctx.ingest;
}

function toInput(event: EventToPublish, organizationId: string, id: string | undefined): EventInput {
  const { type: _type, source, severity, ...fields } = event;
  // The body's schema allowed only the enums' values.
  return {
    ...fields,
    source: source as EventSource | undefined,
    severity: severity as EventSeverity | undefined,
    organization_id: organizationId,
    id,
  };
}

function receiptOf(type: string, result: IngestResult) {
  return {
    object: 'event_receipt' as const,
    id: result.eventId,
    type,
    topic: result.topic,
    partition: result.partition,
    offset: result.offset,
  };
}

/**
 * Runs a publish, turning the publisher's refusals into the API's: an event that cannot be sent
 * as it is is a 400 listing every problem; Kafka not acknowledging is a 503 to retry. What Kafka
 * said is logged with the request id, not sent.
 */
async function publishing<T>(request: FastifyRequest, publish: () => Promise<T>): Promise<T> {
  try {
    return await publish();
  } catch (error) {
    if (error instanceof EventError) throw refusalOf(error);
    request.log.error({ err: error }, 'publishing over HTTP failed');
    throw notAcknowledged(`Kafka did not acknowledge the event${error instanceof PipelineError ? ` (${error.code})` : ''}`);
  }
}

function notAcknowledged(what: string): ApiError {
  return new ApiError(
    503,
    'api_error',
    'publish_failed',
    `${what}; it may or may not be stored. Send the same request again with the same Idempotency-Key: an event stored already is stored once.`,
  );
}

/** What the publisher says of an event it refuses (producers/types.ts BatchRefusal). */
interface Refusal {
  readonly index?: number;
  readonly code: string;
  readonly message: string;
  readonly problems?: readonly { readonly path: string; readonly message: string }[];
}

/** An EventError as a 400: from one event (its problems), or from a batch (each refused event's, under `events[i]`). */
function refusalOf(error: EventError): ApiError {
  const refused = (error as EventError & { refused?: readonly Refusal[] }).refused;
  const single = error as unknown as Refusal;
  const details = refused
    ? refused.flatMap((refusal) => detailsOf(refusal, `events[${refusal.index ?? 0}]`))
    : detailsOf({ code: single.code, message: single.message, problems: Array.isArray(single.problems) ? single.problems : [] }, '');
  return new ApiError(400, 'invalid_request_error', 'event_invalid', error.message, details[0]?.param, details);
}

/** Each problem by its path under `prefix`; an unknown type is the `type`'s, an event too large the whole event's. */
function detailsOf(refusal: Refusal, prefix: string): { param: string; message: string }[] {
  const join = (path: string) => (prefix === '' ? path : path === '' ? prefix : `${prefix}.${path}`);
  const problems = refusal.problems ?? [];
  if (problems.length === 0) return [{ param: join(refusal.code === eventErrorCodes.typeUnknown ? 'type' : ''), message: refusal.message }];
  return problems.map((problem) => ({ param: join(problem.path), message: problem.message }));
}

function failureOf(reason: unknown): { code: string; message: string } {
  const code: string = reason instanceof PipelineError ? (reason as PipelineError).code : 'EVP_PUBLISH_NOT_ACKNOWLEDGED';
  return { code, message: 'Kafka did not acknowledge this event; send the batch again with the same Idempotency-Key.' };
}

/**
 * Answers once per idempotency key: the first request fixes the event ids and, if it succeeds,
 * the answer; a retry with the key and the same request gets that answer (marked
 * `idempotent-replayed: true`); the key with another request is a 409. A refused request frees
 * the key; a failed one keeps its ids for the retry.
 */
async function idempotent(
  ctx: ApiContext,
  request: FastifyRequest,
  reply: FastifyReply,
  key: string | undefined,
  givenIds: readonly (string | undefined)[],
  work: (ids: readonly (string | undefined)[]) => Promise<Answer>,
): Promise<FastifyReply> {
  if (key === undefined) return send(reply, await work(givenIds));
  const organizationId = request.organizationId;
  const claim = await claimIngestKey(ctx.query, {
    organizationId,
    key,
    requestHash: createHash('sha256')
      .update(`${request.routeOptions.url ?? ''}\n${JSON.stringify(request.body)}`)
      .digest(),
    eventIds: givenIds.map((id) => id ?? createEventId()),
    lockMs: keyLockMs,
  });
  const param = request.headers['idempotency-key'] === undefined ? 'id' : 'Idempotency-Key';
  switch (claim.kind) {
    case 'mismatch':
      throw new ApiError(
        409,
        'invalid_request_error',
        'idempotency_key_reused',
        `The ${param === 'id' ? 'event id' : 'Idempotency-Key'} ${JSON.stringify(key.replace(/^event:/, ''))} came with another request in the last 24 hours; a new request needs a new one.`,
        param,
      );
    case 'in_flight':
      throw new ApiError(
        409,
        'invalid_request_error',
        'idempotency_key_in_flight',
        `A request with the ${param === 'id' ? 'event id' : 'Idempotency-Key'} ${JSON.stringify(key.replace(/^event:/, ''))} is being published now; retry in a few seconds.`,
        param,
      );
    case 'replay':
      void reply.header('idempotent-replayed', 'true');
      return send(reply, { status: claim.statusCode, body: claim.response });
    case 'publish':
      break;
  }
  let answer: Answer;
  const renewal = setInterval(
    () =>
      void renewIngestKey(ctx.query, organizationId, key, keyLockMs).catch((cause: unknown) =>
        request.log.warn({ err: cause }, 'renewing an idempotency key failed; a retry may take it once its lock runs out'),
      ),
    keyRenewMs,
  );
  try {
    answer = await work(claim.eventIds);
  } catch (error) {
    const refused = error instanceof ApiError && error.statusCode < 500;
    await (refused ? forgetIngestKey : releaseIngestKey)(ctx.query, organizationId, key).catch((cause: unknown) =>
      request.log.error({ err: cause }, `freeing an idempotency key failed; it frees itself within ${keyLockMs / 1000} s`),
    );
    throw error;
  } finally {
    clearInterval(renewal);
  }
  if (answer.status === 200) await completeIngestKey(ctx.query, organizationId, key, answer.status, answer.body);
  else await releaseIngestKey(ctx.query, organizationId, key);
  return send(reply, answer);
}

function send(reply: FastifyReply, answer: Answer): FastifyReply {
  return reply.code(answer.status).send(answer.body);
}
