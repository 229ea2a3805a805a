import { Type, type Static, type TSchema } from 'typebox';
import { apiKeyScopes, type ApiKeyScope } from '../core/api-key-scopes.js';
import { eventSeverities, eventSources } from '../core/event-schema.js';
import { SafeInteger, SafeString } from '../core/request-schemas.js';

export { SafeInteger, SafeRecord, SafeString, stringRules, type KeptWhitespace } from '../core/request-schemas.js';

/**
 * The request and response schemas of the Events API. Fastify validates requests against them
 * (a failure is a 400 naming the parameter, see errors.ts), serialises responses with them, and
 * @fastify/swagger turns them into /openapi.json, so the docs cannot drift from the behaviour.
 */

export const eventIdPattern = '^evt_[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$';
const rfc3339 = '^\\d{4}-\\d{2}-\\d{2}[Tt]\\d{2}:\\d{2}:\\d{2}(\\.\\d{1,9})?([Zz]|[+ -]\\d{2}:\\d{2})$';

export const EventId = Type.String({ pattern: eventIdPattern, description: 'An event id: `evt_` + a UUIDv7.' });

/**
 * The ajv keywords of the request schemas, for fastify's `ajv.plugins`. `finite` refuses a
 * number that is not finite, whatever made it: ajv's type check refuses one parsed from JSON
 * (1e400), not one its coercion made from text.
 */
export function addRequestKeywords<Ajv extends { addKeyword(definition: FiniteKeyword): unknown }>(ajv: Ajv): Ajv {
  ajv.addKeyword({
    keyword: 'finite',
    schemaType: 'boolean',
    errors: false,
    validate: (schema: boolean, data: unknown) => !schema || typeof data !== 'number' || Number.isFinite(data),
  });
  return ajv;
}

interface FiniteKeyword {
  readonly keyword: 'finite';
  readonly schemaType: 'boolean';
  readonly errors: false;
  readonly validate: (schema: boolean, data: unknown) => boolean;
}

const AnyObject = Type.Unsafe<Record<string, unknown>>({ type: 'object', additionalProperties: true });
/** Names a schema: the OpenAPI document lists it under `components.schemas` by this name (openapi-document.ts). */
export const titled = <T extends TSchema>(title: string, schema: T): T => ({ ...schema, title });

export const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);

export const Event = titled(
  'Event',
  Type.Object(
    {
      id: Type.String({ description: 'Unique identifier for the event (`evt_` + UUIDv7, time-ordered).' }),
      object: Type.Literal('event'),
      type: Type.String({ description: 'Event type, `<entity>.<action>` (e.g. `invoice.created`, `crm.deal.stage_updated`).' }),
      organization_id: Type.String({ description: 'The organization the event belongs to.' }),
      data: Type.Unsafe<Record<string, unknown>>({
        type: 'object',
        additionalProperties: true,
        description: 'The entity as it is after the event.',
      }),
      previous_attributes: Type.Unsafe<Record<string, unknown> | null>({
        type: ['object', 'null'],
        additionalProperties: true,
        description: 'For updates, the values of the changed attributes before the event; null otherwise.',
      }),
      request_id: Type.Union([Type.String(), Type.Null()], { description: 'The API request that caused the event.' }),
      created_at: Type.String({
        format: 'date-time',
        description: 'When the event was created (the time in its id); the list is ordered by it.',
      }),
      occurred_at: Type.String({
        format: 'date-time',
        description: 'When the change happened in the system that reported it (microseconds).',
      }),
      entity_type: Type.String(),
      entity_id: Type.String(),
      action: Type.String({ description: 'created, updated, deleted, or the type-specific verb.' }),
      source: Type.String({ enum: [...eventSources] }),
      severity: Type.String({ enum: [...eventSeverities] }),
      actor: Type.Union([Type.String(), Type.Null()], { description: 'Who or which service made the change.' }),
    },
    { description: 'Something that happened to an entity.' },
  ),
);
export type EventObject = Static<typeof Event>;

export const ErrorBody = titled(
  'Error',
  Type.Object(
    {
      error: Type.Object({
        type: Type.String({ enum: ['invalid_request_error', 'authentication_error', 'permission_error', 'api_error'] }),
        code: Type.String(),
        message: Type.String(),
        param: Type.Optional(Type.String({ description: 'The parameter at fault.' })),
        details: Type.Optional(
          Type.Array(Type.Object({ param: Type.String(), message: Type.String() }), {
            description: 'Every problem found, by the path of the value at fault (`events[2].data.amount`), when there are several.',
          }),
        ),
      }),
    },
    { description: 'What was wrong with the request.' },
  ),
);

export const errorResponses = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody } as const;

/** A page of `item`s; named `<Item>List` in the OpenAPI document when the item is named. */
export function listOf<T extends TSchema>(item: T, description: string) {
  const list = Type.Object(
    {
      object: Type.Literal('list'),
      url: Type.String(),
      has_more: Type.Boolean({ description: 'Whether more items exist beyond this page in the direction of paging.' }),
      data: Type.Array(item),
    },
    { description },
  );
  const title = (item as { title?: unknown }).title;
  return typeof title === 'string' ? titled(`${title}List`, list) : list;
}

const commaList = (description: string) =>
  Type.Optional(
    Type.Array(SafeString({ minLength: 1, maxLength: 200 }), {
      maxItems: 50,
      description: `${description} Repeat the parameter or separate values with commas.`,
    }),
  );

/** Filters shared by the list and the live tail. */
const filterProperties = {
  type: commaList('Event types: exact (`invoice.paid`) or a prefix pattern (`invoice.*`, `crm.*`).'),
  entity_type: Type.Optional(
    SafeString({ minLength: 1, maxLength: 200, description: 'Only events of this entity type (`invoice`, `crm.deal`).' }),
  ),
  entity_id: Type.Optional(SafeString({ minLength: 1, maxLength: 500, description: 'Only events of this entity.' })),
  severity: commaList(`Severities: ${eventSeverities.join(', ')}.`),
  source: commaList(`Sources: ${eventSources.join(', ')}.`),
  request_id: Type.Optional(SafeString({ minLength: 1, maxLength: 500, description: 'Only events caused by this API request.' })),
  q: Type.Optional(
    SafeString({
      minLength: 1,
      maxLength: 200,
      description:
        "Search: the event id, or a case-insensitive part of the entity id or of the data's identifying fields (name, email, number, sku, iccid, …).",
    }),
  ),
};

const cursorProperties = {
  limit: Type.Optional(SafeInteger({ minimum: 1, maximum: 100, default: 20, description: 'How many events to return, 1 to 100.' })),
  starting_after: Type.Optional(
    Type.String({ pattern: eventIdPattern, description: 'Cursor: return the events after (older than) this event id.' }),
  ),
  ending_before: Type.Optional(
    Type.String({ pattern: eventIdPattern, description: 'Cursor: return the events before (newer than) this event id.' }),
  ),
};

export const timeBound = (description: string) => Type.Optional(Type.String({ pattern: rfc3339, description }));

export const ListEventsQuery = Type.Object(
  {
    ...cursorProperties,
    ...filterProperties,
    'created[gte]': timeBound('Created at or after this time (RFC 3339).'),
    'created[gt]': timeBound('Created after this time (RFC 3339).'),
    'created[lte]': timeBound('Created at or before this time (RFC 3339).'),
    'created[lt]': timeBound('Created before this time (RFC 3339).'),
  },
  { additionalProperties: false },
);
export type ListEventsQuery = Static<typeof ListEventsQuery>;

export const StreamQuery = Type.Object(
  {
    ...filterProperties,
    last_event_id: Type.Optional(
      Type.String({
        pattern: eventIdPattern,
        description: 'Resume after this event, as the `Last-Event-ID` header does (for clients that cannot set headers).',
      }),
    ),
  },
  { additionalProperties: false },
);
export type StreamQuery = Static<typeof StreamQuery>;

export const PageQuery = Type.Object(cursorProperties, { additionalProperties: false });
export type PageQuery = Static<typeof PageQuery>;

export const NoQuery = Type.Object({}, { additionalProperties: false });

export const EventType = titled(
  'EventType',
  Type.Object({
    object: Type.Literal('event_type'),
    name: Type.String(),
    entity: Type.String(),
    description: Type.String(),
    severity: Type.String({ description: 'The default severity of events of this type.' }),
    source: Type.String({ description: 'The default source of events of this type.' }),
    origin: Type.String({ description: 'Which public catalogue the type comes from.' }),
    schema: Nullable(
      Type.Object(
        {
          subject: Type.String(),
          version: Type.Integer({ description: 'The current (latest) version of the entity schema in the registry.' }),
          id: Type.Integer(),
        },
        { description: 'null while the schema is not registered or the registry cannot be reached.' },
      ),
    ),
  }),
);

export const Change = Type.Object({ attribute: Type.String(), previous: Type.Unknown(), current: Type.Unknown() });

export const HistoryItem = titled(
  'HistoryItem',
  Type.Object({
    ...Event.properties,
    changes: Type.Array(Change, { description: 'What this event changed: each attribute with its previous and new value.' }),
  }),
);

/** What an entity and its summary in a list both say, in this order. */
const entityState = {
  object: Type.Literal('entity'),
  organization_id: Type.String(),
  entity_type: Type.String(),
  entity_id: Type.String(),
  data: AnyObject,
  deleted: Type.Boolean({ description: 'A delete event was the last; data is the state it deleted.' }),
  version: Type.Integer({ description: 'How many of its events have been stored.' }),
};
const entityTimes = {
  created_at: Type.String({ format: 'date-time', description: 'When the store first saw the entity.' }),
  updated_at: Type.String({ format: 'date-time' }),
};

export const Entity = titled('Entity', Type.Object({ ...entityState, last_event: Nullable(Event), ...entityTimes }));

export const EntityParams = Type.Object({
  entity_type: SafeString({ minLength: 1, maxLength: 200 }),
  entity_id: SafeString({ minLength: 1, maxLength: 500 }),
});
export type EntityParams = Static<typeof EntityParams>;

export const EntitySummary = titled(
  'EntitySummary',
  Type.Object({
    ...entityState,
    last_event_id: Type.String(),
    last_event_type: Type.String(),
    ...entityTimes,
  }),
);

export const ListEntitiesQuery = Type.Object(
  {
    entity_type: SafeString({ minLength: 1, maxLength: 200, description: 'The entity type (`invoice`, `crm.deal`); required.' }),
    q: Type.Optional(SafeString({ minLength: 1, maxLength: 200, description: 'A case-insensitive part of the entity id.' })),
    limit: Type.Optional(SafeInteger({ minimum: 1, maximum: 100, default: 20, description: 'How many entities to return, 1 to 100.' })),
    starting_after: Type.Optional(
      SafeString({ minLength: 1, maxLength: 500, description: 'Cursor: the entities after this one (an entity id of that type).' }),
    ),
    ending_before: Type.Optional(
      SafeString({ minLength: 1, maxLength: 500, description: 'Cursor: the entities before this one (an entity id of that type).' }),
    ),
  },
  { additionalProperties: false },
);
export type ListEntitiesQuery = Static<typeof ListEntitiesQuery>;

export const Organization = titled(
  'Organization',
  Type.Object(
    {
      object: Type.Literal('organization'),
      id: Type.String({ description: 'The organization every request with this key is scoped to.' }),
      api_key: Type.Object({
        id: Type.String({ description: 'key_…' }),
        name: Nullable(Type.String()),
        scopes: Type.Array(Type.Unsafe<ApiKeyScope>(Type.String({ enum: [...apiKeyScopes] })), {
          description:
            'Everything the key may do: the scopes it was made with, and those they include (a write scope its read scope, `admin` all).',
        }),
      }),
    },
    { description: 'Who the key belongs to.' },
  ),
);
