import { Type, type Static } from 'typebox';
import { eventSeverities } from '../core/event-schema.js';
import { SafeInteger, SafeRecord, SafeString } from './schemas.js';

/** Request and response schemas of /api/v1/destinations (see schemas.ts for the events'). */

const Webhook = Type.Object(
  {
    url: SafeString({ minLength: 1, maxLength: 2000, description: 'https URL (http only for DESTINATION_ALLOWED_HOSTS).' }),
    headers: Type.Optional(SafeRecord(SafeString({ maxLength: 2000 }, 'tab'), { description: 'Extra headers sent with every delivery.' })),
    timeout_ms: Type.Optional(
      SafeInteger({ minimum: 1000, maximum: 60_000, description: 'A 2xx must arrive within this. Default 15,000.' }),
    ),
    batch: Type.Optional(
      Type.Union([
        Type.Object(
          {
            max_events: SafeInteger({ minimum: 1, maximum: 1000, description: 'Most events in one POST (a JSON array).' }),
            max_wait_ms: SafeInteger({
              minimum: 0,
              maximum: 60_000,
              description: 'How long the first event of a batch may wait for more before the batch is sent.',
            }),
          },
          { additionalProperties: false, description: 'Batch mode: events are posted as JSON arrays, each signed as one message.' },
        ),
        Type.Null(),
      ]),
    ),
  },
  { additionalProperties: false },
);

const Kafka = Type.Object(
  {
    brokers: Type.Array(SafeString({ minLength: 1, maxLength: 300 }), {
      minItems: 1,
      maxItems: 20,
      description:
        "Bootstrap brokers, host:port. Neither the pipeline's own cluster nor internal addresses, unless the operator allows the broker (DESTINATION_ALLOWED_KAFKA_BROKERS).",
    }),
    topic: SafeString({
      minLength: 1,
      maxLength: 249,
      description: "Never one of Kafka's internal topics (__…), nor one of the pipeline's own on its cluster.",
    }),
  },
  { additionalProperties: false },
);

const File = Type.Object(
  {
    directory: SafeString({
      minLength: 1,
      maxLength: 1000,
      description:
        "Directory of the rotated NDJSON files, relative to the organization's own directory under DESTINATION_FILE_ROOT (e.g. exports/invoices), or absolute inside it; no `..`. Answered back as given.",
    }),
    rotate_bytes: Type.Optional(
      SafeInteger({ minimum: 1024, maximum: 1024 ** 3, description: 'A new file is started past this size. Default 64 MiB.' }),
    ),
  },
  { additionalProperties: false },
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
      SafeInteger({ minimum: 1, maximum: 100, description: 'Most attempts in flight at once to this destination. Default 10.' }),
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
};

export const CreateDestination = Type.Object(
  {
    type: Type.String({ enum: ['webhook', 'kafka', 'file'] }),
    ...subscription,
    webhook: Type.Optional(Webhook),
    kafka: Type.Optional(Kafka),
    file: Type.Optional(File),
  },
  { additionalProperties: false },
);
export type CreateDestination = Static<typeof CreateDestination>;

export const UpdateDestination = Type.Object(
  {
    ...subscription,
    event_types: Type.Optional(subscription.event_types),
    // Partial drops the object's options: without saying it again, unknown settings would be merged and stored.
    webhook: Type.Optional(Type.Partial(Webhook, { additionalProperties: false })),
    kafka: Type.Optional(Type.Partial(Kafka, { additionalProperties: false })),
    file: Type.Optional(Type.Partial(File, { additionalProperties: false })),
  },
  { additionalProperties: false, minProperties: 1 },
);
export type UpdateDestination = Static<typeof UpdateDestination>;

const AnyObject = Type.Unsafe<Record<string, unknown>>({ type: 'object', additionalProperties: true });

export const Destination = Type.Object({
  id: Type.String({ description: '`dst_` + a UUIDv7.' }),
  object: Type.Literal('destination'),
  type: Type.String(),
  description: Type.Union([Type.String(), Type.Null()]),
  active: Type.Boolean(),
  event_types: Type.Array(Type.String()),
  severities: Type.Union([Type.Array(Type.String()), Type.Null()]),
  entity_types: Type.Union([Type.Array(Type.String()), Type.Null()]),
  ordering: Type.String(),
  max_concurrency: Type.Union([Type.Integer(), Type.Null()]),
  rate_limit_per_second: Type.Union([Type.Integer(), Type.Null()]),
  retry_schedule_ms: Type.Union([Type.Array(Type.Integer()), Type.Null()]),
  webhook: Type.Optional(AnyObject),
  kafka: Type.Optional(AnyObject),
  file: Type.Optional(AnyObject),
  secret: Type.Optional(Type.String({ description: 'The signing secret (whsec_…): only in the answers that create or rotate it.' })),
  previous_secret_expires_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  disabled_reason: Type.Union([Type.String(), Type.Null()]),
  disabled_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  failing_since: Type.Union([Type.String({ format: 'date-time', description: 'Every attempt since this time failed.' }), Type.Null()]),
  created_at: Type.String({ format: 'date-time' }),
  updated_at: Type.String({ format: 'date-time' }),
});
export type DestinationObject = Static<typeof Destination>;

export const DestinationSecret = Type.Object({
  object: Type.Literal('destination_secret'),
  destination_id: Type.String(),
  secret: Type.String({ description: 'The current signing secret (whsec_…).' }),
  previous_secret: Type.Union([Type.String(), Type.Null()], { description: 'The previous secret, while its grace period lasts.' }),
  previous_secret_expires_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
});

export const DestinationId = Type.Object({ id: Type.String({ pattern: '^dst_[0-9a-f-]{36}$', description: 'A destination id (dst_…).' }) });

export const RotateSecret = Type.Object(
  {
    grace_period_hours: Type.Optional(
      SafeInteger({ minimum: 0, maximum: 168, description: 'How long the old secret stays valid. Default 24.' }),
    ),
  },
  { additionalProperties: false },
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
