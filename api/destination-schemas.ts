import { Type, type Static, type TObject, type TSchema } from 'typebox';
import { eventSeverities } from '../core/event-schema.js';
import { destinationKinds, type DestinationKind } from '../destinations/index.js';
import { AlertSettings, AlertsAnswer } from './destination-alerts.js';
import { SafeInteger, SafeString, titled } from './schemas.js';

/** Request and response schemas of /api/v1/destinations (see schemas.ts for the events'). */

const AnyObject = Type.Unsafe<Record<string, unknown>>({ type: 'object', additionalProperties: true });

/** The content filter: its language is checked by core/content-filter.ts, not the schema (a 400 names the test at fault). */
const Filter = Type.Unsafe<Record<string, unknown> | null>({
  type: ['object', 'null'],
  additionalProperties: true,
  description:
    'Only events that pass this condition on the event object are delivered: `{"data.status": "paid", "data.total_amount": {"$gte": 1000}}`. Paths are dotted; operators `$eq`, `$ne`, `$in`, `$nin`, `$exists`, `$gt`, `$gte`, `$lt`, `$lte`, `$and`, `$or`, `$not`. Null: every event.',
});

/** What the deliveries carry (core/payload-shape.ts); the projection's paths are checked against the subscribed types. */
const Payload = Type.Union(
  [
    Type.String({ enum: ['event', 'cloudevents'] }),
    Type.Object(
      { fields: Type.Array(SafeString({ minLength: 1, maxLength: 200 }), { minItems: 1, maxItems: 100 }) },
      { additionalProperties: false },
    ),
  ],
  {
    description:
      'The body each delivery carries: `event` (the event object, default), `cloudevents` (CloudEvents 1.0 structured JSON), or `{"fields": ["id", "type", "data.total_amount"]}` (the event object with only those paths). GET /destinations/{id}/payload-schema describes it.',
  },
);

const subscription = {
  description: Type.Optional(Type.Union([Type.Null(), SafeString({ maxLength: 500 }, 'tab and line breaks')])),
  active: Type.Optional(Type.Boolean()),
  event_types: Type.Array(SafeString({ minLength: 1, maxLength: 200 }), {
    minItems: 1,
    maxItems: 200,
    description: 'Types and patterns subscribed to: `invoice.paid`, `invoice.*`, `*`.',
  }),
  severities: Type.Optional(Type.Union([Type.Array(Type.String({ enum: [...eventSeverities] }), { minItems: 1 }), Type.Null()])),
  entity_types: Type.Optional(Type.Union([Type.Array(SafeString({ minLength: 1, maxLength: 200 }), { minItems: 1 }), Type.Null()])),
  ordering: Type.Optional(
    Type.String({
      enum: ['none', 'per_entity'],
      description: "`per_entity` holds an entity's later events until its earlier one is settled.",
    }),
  ),
  max_concurrency: Type.Optional(
    Type.Union([
      SafeInteger({
        minimum: 1,
        maximum: 100,
        description: "Most attempts in flight at once to this destination. Default: the streamer's STREAMER_MAX_CONCURRENCY (25).",
      }),
      Type.Null(),
    ]),
  ),
  rate_limit_per_second: Type.Optional(
    Type.Union([
      SafeInteger({ minimum: 1, maximum: 10_000, description: 'Most attempts started per second. Default: no limit.' }),
      Type.Null(),
    ]),
  ),
  retry_schedule_ms: Type.Optional(
    Type.Union([
      Type.Null(),
      Type.Array(SafeInteger({ minimum: 0, maximum: 7 * 86_400_000 }), {
        minItems: 1,
        maxItems: 20,
        description: "Delay before each attempt, in ms (the first is usually 0). Default: the deployment's schedule.",
      }),
    ]),
  ),
  filter: Type.Optional(Filter),
  payload: Type.Optional(Payload),
  alerts: Type.Optional(AlertSettings),
};

/** What every destination answers, before its type's settings and after them. */
const answerHead = {
  id: Type.String({ description: '`dst_` + a UUIDv7.' }),
  object: Type.Literal('destination'),
};
const answerSubscription = {
  description: Type.Union([Type.String(), Type.Null()]),
  active: Type.Boolean(),
  event_types: Type.Array(Type.String()),
  severities: Type.Union([Type.Array(Type.String()), Type.Null()]),
  entity_types: Type.Union([Type.Array(Type.String()), Type.Null()]),
  ordering: Type.String(),
  max_concurrency: Type.Union([Type.Integer(), Type.Null()]),
  rate_limit_per_second: Type.Union([Type.Integer(), Type.Null()]),
  retry_schedule_ms: Type.Union([Type.Array(Type.Integer()), Type.Null()]),
  filter: Filter,
  payload: Type.Union([Type.String(), Type.Object({ fields: Type.Array(Type.String()) })]),
};
const answerTail = {
  secret: Type.Optional(Type.String({ description: 'The signing secret (whsec_…): only in the answers that create or rotate it.' })),
  previous_secret_expires_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  disabled_reason: Type.Union([Type.String(), Type.Null()]),
  disabled_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  failing_since: Type.Union([Type.String({ format: 'date-time', description: 'Every attempt since this time failed.' }), Type.Null()]),
  alerts: AlertsAnswer,
  created_at: Type.String({ format: 'date-time' }),
  updated_at: Type.String({ format: 'date-time' }),
};
type AnswerFields = Static<TObject<typeof answerHead & typeof answerSubscription & typeof answerTail>>;
type SubscriptionFields = Static<TObject<typeof subscription>>;

type SettingsOf<Kind> = Kind extends DestinationKind<string, infer Settings> ? Static<Settings> : never;
type NameOf<Kinds extends readonly DestinationKind[]> = Kinds[number]['name'];

/** A create request: the type, the subscription, and settings named after a type (the handler refuses another type's). */
export type CreateBody<Kinds extends readonly DestinationKind[]> = SubscriptionFields & { type: NameOf<Kinds> } & {
  [Kind in Kinds[number] as Kind['name']]?: SettingsOf<Kind>;
};

/** An update: any subscription field, and any part of the settings. */
export type UpdateBody<Kinds extends readonly DestinationKind[]> = Partial<SubscriptionFields> & {
  [Kind in Kinds[number] as Kind['name']]?: Partial<SettingsOf<Kind>>;
};

/** A destination as the API answers it: its settings are under its type's name. */
export type DestinationAnswer<Kinds extends readonly DestinationKind[]> = Kinds[number] extends infer Kind
  ? Kind extends DestinationKind
    ? AnswerFields & { type: Kind['name'] } & { [Name in Kind['name']]: SettingsOf<Kind> }
    : never
  : never;

/**
 * The request and response schemas of /api/v1/destinations for a table of destination types
 * (destinations/index.ts, or a test's). A request stays one object whose `type` names the
 * settings that apply, so that a mistake is one 400 naming its parameter; an answer is a union
 * on `type`. An answer's settings are served as stored, in the order stored.
 */
export function destinationSchemas<const Kinds extends readonly DestinationKind[]>(kinds: Kinds) {
  const names = kinds.map((kind) => kind.name);
  const settings = (schema: (kind: DestinationKind) => TSchema) => Object.fromEntries(kinds.map((kind) => [kind.name, schema(kind)]));
  const create = Type.Object(
    {
      type: Type.String({ enum: names }),
      ...subscription,
      ...settings((kind) => Type.Optional(kind.settings)),
    },
    { additionalProperties: false },
  );
  const update = Type.Object(
    {
      ...subscription,
      event_types: Type.Optional(subscription.event_types),
      // Partial drops the object's options: without saying it again, unknown settings would be merged and stored.
      ...settings((kind) => Type.Optional(Type.Partial(kind.settings, { additionalProperties: false }))),
    },
    { additionalProperties: false, minProperties: 1 },
  );
  // Optional in the schema, as `secret`: the serializer writes the required fields first, then
  // these, so an answer's fields stay in the order they always had (the settings near the end).
  const answer = Type.Union(
    kinds.map((kind) =>
      // `WebhookDestination`, `KafkaDestination`, …: what a generated client names each variant.
      titled(
        `${kind.name.charAt(0).toUpperCase()}${kind.name.slice(1)}Destination`,
        Type.Object({
          ...answerHead,
          type: Type.Literal(kind.name),
          ...answerSubscription,
          [kind.name]: Type.Optional(AnyObject),
          ...answerTail,
        }),
      ),
    ),
  );
  // The JSON schemas are built from the table at run time; their static types from the table's type.
  return {
    CreateDestination: Type.Unsafe<CreateBody<Kinds>>(titled('CreateDestinationRequest', create)),
    UpdateDestination: Type.Unsafe<UpdateBody<Kinds>>(titled('UpdateDestinationRequest', update)),
    Destination: Type.Unsafe<DestinationAnswer<Kinds>>(titled('Destination', answer)),
  };
}

export const { CreateDestination, UpdateDestination, Destination } = destinationSchemas(destinationKinds);
export type CreateDestination = Static<typeof CreateDestination>;
export type UpdateDestination = Static<typeof UpdateDestination>;
export type DestinationObject = Static<typeof Destination>;

export const DestinationSecret = titled(
  'DestinationSecret',
  Type.Object({
    object: Type.Literal('destination_secret'),
    destination_id: Type.String(),
    secret: Type.String({ description: 'The current signing secret (whsec_…).' }),
    previous_secret: Type.Union([Type.String(), Type.Null()], { description: 'The previous secret, while its grace period lasts.' }),
    previous_secret_expires_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  }),
);

export const DestinationId = Type.Object({ id: Type.String({ pattern: '^dst_[0-9a-f-]{36}$', description: 'A destination id (dst_…).' }) });

export const RotateSecret = titled(
  'RotateSecretRequest',
  Type.Object(
    {
      grace_period_hours: Type.Optional(
        SafeInteger({ minimum: 0, maximum: 168, description: 'How long the old secret stays valid. Default 24.' }),
      ),
    },
    { additionalProperties: false },
  ),
);

const destinationIdPattern = '^dst_[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$';

export const DestinationPageQuery = Type.Object(
  {
    limit: Type.Optional(SafeInteger({ minimum: 1, maximum: 100, default: 20, description: 'How many destinations to return, 1 to 100.' })),
    starting_after: Type.Optional(
      Type.String({ pattern: destinationIdPattern, description: 'Cursor: the destinations after (older than) this one.' }),
    ),
    ending_before: Type.Optional(
      Type.String({ pattern: destinationIdPattern, description: 'Cursor: the destinations before (newer than) this one.' }),
    ),
  },
  { additionalProperties: false },
);
