import { checkSubscription, createDestinationId, type DestinationProblem } from '../../core/destination-rules.js';
import { expandPatterns } from '../../core/event-types.js';
import { subscribedFieldsOf, type SubscribedFields } from '../../core/event-fields.js';
import { checkTemplates } from '../../core/field-template.js';
import { parseContentFilter } from '../../core/content-filter.js';
import { checkContentFilter } from '../../core/content-filter-check.js';
import { checkPayloadShape, storedPayloadShape } from '../../core/payload-shape.js';
import { destinationEvent } from '../../core/destination-event.js';
import {
  isMerged,
  markCredentials,
  mergeSettings,
  sealCredential,
  type MergedSettings,
  type StoredCredentials,
} from '../../core/destination-credentials.js';
import type { SecretBox } from '../../core/secret-box.js';
import { createWebhookSecret } from '../../core/webhook-signature.js';
import { destinationKinds, kindOf } from '../../destinations/index.js';
import { checkSettings, SettingsRefused } from '../../destinations/server.js';
import type { ApiContext, ApiInstance } from '../context.js';
import {
  CreateDestination,
  Destination,
  DestinationId,
  DestinationPageQuery,
  DestinationSecret,
  RotateSecret,
  UpdateDestination,
  type DestinationObject,
} from '../destination-schemas.js';
import { ApiError, invalidParameter, refuseTwoCursors, resourceMissing } from '../errors.js';
import { NoQuery, errorResponses, listOf } from '../schemas.js';
import { wakeDeliveryWorkers } from './deliveries.js';
import {
  deleteDestination,
  getDestination,
  listDestinations,
  rotateDestinationSecret,
  updateDestination,
  type DestinationFields,
  type DestinationRow,
} from '../../store/destinations.js';
import { getDestinationSecret } from '../../store/get-destination-secret.js';
import { insertDestinationWithinLimit } from '../../store/insert-destination-within-limit.js';
import { alertSettingsOf, alertsAnswerOf } from '../destination-alerts.js';
import { Type } from 'typebox';

const defaultGraceHours = 24;

export function destinationRoutes(app: ApiInstance, ctx: ApiContext): void {
  const tags = ['destinations'];
  const missing = (id: string) => resourceMissing(`No such destination: ${id}.`, 'id');

  /**
   * The subscription and, when the request changes them, the type's settings checked against every
   * rule; the first problem is the 400. Returns the settings and credentials to store, the secrets
   * given sealed for the destination.
   */
  const checked = async (
    type: string,
    fields: Omit<DestinationFields, 'settings' | 'credentials'>,
    organizationId: string,
    destinationId: string,
    stored: { readonly settings: Record<string, unknown>; readonly credentials: StoredCredentials | null },
    change: Readonly<Record<string, unknown>> | undefined,
    filterChanged = true,
  ): Promise<Pick<DestinationFields, 'settings' | 'credentials'>> => {
    const problems: DestinationProblem[] = checkSubscription(fields, ctx.catalogue);
    if (filterChanged && problems.length === 0) {
      const subscribed = subscribedFieldsOf(subscribedTypes(fields.event_types), ctx.catalogue.fields);
      if (fields.filter !== null) problems.push(...filterProblems(fields.filter, subscribed));
      problems.push(...checkPayloadShape(storedPayloadShape(fields.payload), subscribed));
      // Settings the request leaves alone are not checked again, but their templates must still
      // fit the (new) subscribed types: a type that lacks a field a template names is refused.
      if (change === undefined) problems.push(...checkTemplates(kindOf(type)?.templates?.(stored.settings) ?? [], subscribed));
    }
    let merged: MergedSettings | undefined;
    if (change !== undefined) {
      const kind = kindOf(type);
      const result = mergeSettings(type, stored, change, {
        secrets: kind?.secrets ?? [],
        unused: (settings) => kind?.unused?.(settings) ?? [],
      });
      if (isMerged(result)) {
        merged = result;
        const storedSecrets = new Set(Object.keys(result.kept));
        const subscribed = subscribedFieldsOf(subscribedTypes(fields.event_types), ctx.catalogue.fields);
        problems.push(
          ...(await settingsProblems(type, { ...result.settings, ...result.given }, organizationId, storedSecrets, subscribed)),
        );
      } else problems.push(result);
    }
    const problem = problems[0];
    if (problem) throw invalidParameter(problem.field, `${problem.message}.`);
    if (merged === undefined) return { settings: stored.settings, credentials: stored.credentials };
    const credentials: Record<string, string> = { ...merged.kept };
    for (const [setting, plain] of Object.entries(merged.given))
      credentials[setting] = sealCredential(ctx.secretBox, destinationId, setting, plain);
    return { settings: merged.settings, credentials: Object.keys(credentials).length === 0 ? null : credentials };
  };

  /** The catalogue types the patterns select (none when they select nothing: checkSubscription says so). */
  const subscribedTypes = (patterns: readonly string[] | undefined): readonly string[] => {
    const expanded = expandPatterns(patterns ?? [], ctx.catalogue.types);
    return 'types' in expanded ? expanded.types : [];
  };

  /** What is wrong with a content filter: its language, its bounds, and tests no subscribed event can pass. */
  const filterProblems = (filter: unknown, subscribed: SubscribedFields): DestinationProblem[] => {
    const parsed = parseContentFilter(filter);
    return 'problem' in parsed ? [parsed.problem] : checkContentFilter(parsed.filter, subscribed);
  };

  /** What is wrong with a type's settings: reachable, allowed, confined (destinations/<type>/server.ts). */
  const settingsProblems = async (
    type: string,
    settings: unknown,
    organizationId: string,
    storedSecrets: ReadonlySet<string>,
    subscribed: SubscribedFields,
  ): Promise<DestinationProblem[]> => {
    const { allowedHosts, kafkaBrokerPolicy, fileRoot } = ctx;
    try {
      return await checkSettings(type, settings, { organizationId, allowedHosts, kafkaBrokerPolicy, fileRoot, storedSecrets, subscribed });
    } catch (error) {
      if (error instanceof SettingsRefused) throw invalidParameter(error.field, error.message);
      throw error;
    }
  };

  app.post(
    '/api/v1/destinations',
    {
      config: { scope: 'destinations:write' },
      schema: {
        operationId: 'createDestination',
        summary: 'Create a destination',
        description:
          "A webhook, Kafka topic, file directory, broker, bucket, queue or stream that receives the organization's events of the subscribed types. A webhook's signing secret is in this answer only.",
        tags,
        body: CreateDestination,
        response: { 201: Destination, ...errorResponses },
      },
    },
    async (request, reply) => {
      const body = request.body;
      const type = body.type;
      for (const { name: other } of destinationKinds) {
        if (other !== type && body[other] !== undefined)
          throw invalidParameter(other, `${other} settings do not apply to a ${type} destination.`);
      }
      const settings = body[type];
      if (settings === undefined) throw invalidParameter(type, `A ${type} destination needs its ${type} settings.`, 'parameter_missing');
      const subscribed = {
        description: body.description ?? null,
        active: body.active ?? true,
        event_types: body.event_types,
        severities: body.severities ?? null,
        entity_types: body.entity_types ?? null,
        ordering: (body.ordering ?? 'none') as DestinationFields['ordering'],
        max_concurrency: body.max_concurrency ?? null,
        rate_limit_per_second: body.rate_limit_per_second ?? null,
        retry_schedule_ms: body.retry_schedule_ms ?? null,
        filter: body.filter ?? null,
        payload: storedPayload(body.payload),
        ...alertSettingsOf(body.alerts, null),
      };
      const id = createDestinationId();
      const fields: DestinationFields = {
        ...subscribed,
        ...(await checked(type, subscribed, request.organizationId, id, { settings: {}, credentials: null }, settings)),
      };
      const secret = kindOf(type)?.signed ? createWebhookSecret() : null;
      const stored = await insertDestinationWithinLimit(
        ctx.transaction,
        { ...fields, id, organization_id: request.organizationId, type, secret: secret === null ? null : ctx.secretBox.seal(secret, id) },
        ctx.maxDestinationsPerOrg,
      );
      if ('limitReached' in stored) {
        throw new ApiError(
          400,
          'invalid_request_error',
          'destination_limit_reached',
          `This organization has ${stored.limitReached} destinations, the most allowed (${ctx.maxDestinationsPerOrg}, API_MAX_DESTINATIONS_PER_ORG); delete one it no longer uses, or ask the operator to raise the limit.`,
        );
      }
      const row = stored.row;
      return reply.code(201).send({ ...toDestinationObject(row), ...(secret ? { secret } : {}) });
    },
  );

  app.get(
    '/api/v1/destinations',
    {
      config: { scope: 'destinations:read' },
      schema: {
        operationId: 'listDestinations',
        summary: 'List destinations',
        tags,
        querystring: DestinationPageQuery,
        response: { 200: listOf(Destination, 'A page of destinations, newest first.'), ...errorResponses },
      },
    },
    async (request) => {
      const { limit = 20, starting_after: startingAfter, ending_before: endingBefore } = request.query;
      refuseTwoCursors(request.query);
      const { rows, hasMore } = await listDestinations(ctx.query, request.organizationId, limit, { startingAfter, endingBefore });
      return { object: 'list' as const, url: '/api/v1/destinations', has_more: hasMore, data: rows.map(toDestinationObject) };
    },
  );

  app.get(
    '/api/v1/destinations/:id',
    {
      config: { scope: 'destinations:read' },
      schema: {
        operationId: 'retrieveDestination',
        summary: 'Retrieve a destination',
        tags,
        params: DestinationId,
        querystring: NoQuery,
        response: { 200: Destination, ...errorResponses },
      },
    },
    async (request) => {
      const row = await getDestination(ctx.query, request.organizationId, request.params.id);
      if (row === undefined) throw missing(request.params.id);
      return toDestinationObject(row);
    },
  );

  app.patch(
    '/api/v1/destinations/:id',
    {
      config: { scope: 'destinations:write' },
      schema: {
        operationId: 'updateDestination',
        summary: 'Update a destination',
        description:
          "Changes the given fields; the type's settings are merged field by field. `active: true` re-enables a disabled destination.",
        tags,
        params: DestinationId,
        body: UpdateDestination,
        response: { 200: Destination, ...errorResponses },
      },
    },
    async (request) => {
      const row = await getDestination(ctx.query, request.organizationId, request.params.id);
      if (row === undefined) throw missing(request.params.id);
      const body = request.body;
      for (const { name: other } of destinationKinds) {
        if (other !== row.type && body[other] !== undefined)
          throw invalidParameter(other, `${other} settings do not apply to a ${row.type} destination.`);
      }
      const subscribed = {
        description: body.description === undefined ? row.description : body.description,
        active: body.active ?? row.active,
        event_types: body.event_types ?? row.event_types,
        severities: body.severities === undefined ? row.severities : body.severities,
        entity_types: body.entity_types === undefined ? row.entity_types : body.entity_types,
        ordering: (body.ordering ?? row.ordering) as DestinationFields['ordering'],
        max_concurrency: body.max_concurrency === undefined ? row.max_concurrency : body.max_concurrency,
        rate_limit_per_second: body.rate_limit_per_second === undefined ? row.rate_limit_per_second : body.rate_limit_per_second,
        retry_schedule_ms: body.retry_schedule_ms === undefined ? row.retry_schedule_ms : body.retry_schedule_ms,
        filter: body.filter === undefined ? row.filter : body.filter,
        payload: body.payload === undefined ? row.payload : storedPayload(body.payload),
        ...alertSettingsOf(body.alerts, row),
      };
      // The type's settings are checked when the request changes them: a destination saved under
      // older rules can still be paused, described or re-subscribed (the streamer refuses to send
      // to settings the rules no longer allow, and says why in the delivery log).
      const fields: DestinationFields = {
        ...subscribed,
        // The filter is checked again when the subscribed types change: it must still fit them.
        ...(await checked(
          row.type,
          subscribed,
          request.organizationId,
          row.id,
          row,
          body[row.type],
          body.filter !== undefined || body.event_types !== undefined,
        )),
      };
      // `active` only when asked: an edit of other fields must not undo a disable made meanwhile.
      const updated = await updateDestination(ctx.query, request.organizationId, row.id, { ...fields, active: body.active ?? null });
      if (updated === undefined) throw missing(request.params.id);
      if (body.active === true && !updated.was_active) {
        // Deliveries held while it was paused or disabled are due at once.
        await wakeDeliveryWorkers(app, ctx, updated.id);
        ctx.announce(
          'destination.enabled',
          destinationEvent(updated, {
            source: 'api',
            severity: 'info',
            previous_attributes: {
              active: false,
              disabled_reason: updated.was_disabled_reason,
              disabled_at: updated.was_disabled_at?.toISOString() ?? null,
            },
            request_id: request.id,
            actor: request.apiKey.id,
          }),
        );
      }
      return toDestinationObject(updated);
    },
  );

  app.delete(
    '/api/v1/destinations/:id',
    {
      config: { scope: 'destinations:write' },
      schema: {
        operationId: 'deleteDestination',
        summary: 'Delete a destination',
        description:
          'Nothing more is sent to it. Its signing secrets and credentials are erased at once; its deliveries stay in the log until `DELIVERY_RETENTION_DAYS`, and the destination itself is removed once none refers to it.',
        tags,
        params: DestinationId,
        querystring: NoQuery,
        response: {
          200: Type.Object({ id: Type.String(), object: Type.Literal('destination'), deleted: Type.Literal(true) }),
          ...errorResponses,
        },
      },
    },
    async (request) => {
      if (!(await deleteDestination(ctx.query, request.organizationId, request.params.id))) throw missing(request.params.id);
      return { id: request.params.id, object: 'destination' as const, deleted: true as const };
    },
  );

  app.get(
    '/api/v1/destinations/:id/secret',
    {
      config: { scope: 'destinations:write' },
      schema: {
        operationId: 'retrieveDestinationSecret',
        summary: "Reveal a webhook's signing secret",
        description:
          'The current secret, and the previous one while its grace period lasts. Only this explicit call (and create and rotate) returns a secret.',
        tags,
        params: DestinationId,
        querystring: NoQuery,
        response: { 200: DestinationSecret, ...errorResponses },
      },
    },
    async (request) => {
      const row = await getDestinationSecret(ctx.query, request.organizationId, request.params.id);
      if (row === undefined) throw missing(request.params.id);
      if (row.secret === null)
        throw invalidParameter('id', `Only webhook destinations have a signing secret; ${request.params.id} is a ${row.type} destination.`);
      let secret: string;
      try {
        secret = ctx.secretBox.open(row.secret, request.params.id);
      } catch (error) {
        // The operator's key ids and advice go to the log; the caller learns what it can do.
        request.log.error({ err: error, destinationId: request.params.id }, 'a signing secret cannot be opened');
        throw new ApiError(
          500,
          'api_error',
          'secret_unreadable',
          `The signing secret of ${request.params.id} cannot be read by this API (request ${request.id}); rotate it to make a new one.`,
        );
      }
      // A previous secret this key cannot open is of no use to a receiver: it is left out.
      const previous = row.previous_secret === null ? null : openOrNull(ctx.secretBox, row.previous_secret, request.params.id);
      return {
        object: 'destination_secret' as const,
        destination_id: request.params.id,
        secret,
        previous_secret: previous,
        previous_secret_expires_at: previous === null ? null : (row.previous_secret_expires_at?.toISOString() ?? null),
      };
    },
  );

  app.post(
    '/api/v1/destinations/:id/rotate-secret',
    {
      config: { scope: 'destinations:write' },
      schema: {
        operationId: 'rotateDestinationSecret',
        summary: "Rotate a webhook's signing secret",
        description:
          'A new secret, returned in this answer only. The old one stays valid for the grace period: deliveries carry both signatures until it ends.',
        tags,
        params: DestinationId,
        body: Type.Optional(RotateSecret),
        response: { 200: Destination, ...errorResponses },
      },
    },
    async (request) => {
      const row = await getDestination(ctx.query, request.organizationId, request.params.id);
      if (row === undefined) throw missing(request.params.id);
      if (!kindOf(row.type)?.signed)
        throw invalidParameter('id', `Only webhook destinations have a signing secret; ${row.id} is a ${row.type} destination.`);
      const secret = createWebhookSecret();
      const graceMs = (request.body?.grace_period_hours ?? defaultGraceHours) * 3_600_000;
      const rotated = await rotateDestinationSecret(ctx.query, request.organizationId, row.id, ctx.secretBox.seal(secret, row.id), graceMs);
      if (rotated === undefined) throw missing(request.params.id);
      return { ...toDestinationObject(rotated), secret };
    },
  );
}

/** `event`, the default, is stored as null. */
function storedPayload(payload: string | { readonly fields: readonly string[] } | undefined): DestinationFields['payload'] {
  if (typeof payload === 'string') return payload === 'cloudevents' ? 'cloudevents' : null;
  return payload === undefined ? null : { fields: [...payload.fields] };
}

function openOrNull(box: SecretBox, stored: string, owner: string): string | null {
  try {
    return box.open(stored, owner);
  } catch {
    return null;
  }
}

/**
 * A destination as the API serves it: never its secrets (a signing secret is in the create and
 * rotate answers only; a secret setting is never answered, `"set"` stands in its place). Its
 * settings are served as stored, under its type's name; they were stored as that type's schema
 * and checks accepted them, which is what the answer's type says.
 */
export function toDestinationObject(row: DestinationRow): DestinationObject {
  const answer = {
    id: row.id,
    object: 'destination',
    type: row.type,
    description: row.description,
    active: row.active,
    event_types: row.event_types,
    severities: row.severities,
    entity_types: row.entity_types,
    ordering: row.ordering,
    max_concurrency: row.max_concurrency,
    rate_limit_per_second: row.rate_limit_per_second,
    retry_schedule_ms: row.retry_schedule_ms,
    filter: row.filter,
    payload: row.payload ?? 'event',
    [row.type]: { ...row.settings, ...markCredentials(row.credentials) },
    previous_secret_expires_at: row.previous_secret_expires_at?.toISOString() ?? null,
    disabled_reason: row.disabled_reason,
    disabled_at: row.disabled_at?.toISOString() ?? null,
    failing_since: row.failing_since?.toISOString() ?? null,
    alerts: alertsAnswerOf(row),
    created_at: row.created_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
  };
  return answer as DestinationObject;
}
