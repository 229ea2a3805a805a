import { Type, type Static } from 'typebox';
import { eventSeverities, eventSources } from '../core/event-schema.js';
import { Nullable, SafeString, eventIdPattern, titled } from './schemas.js';

/** Request and answer schemas of POST /api/v1/events and /api/v1/events/batch (HTTP ingest). */

/** Most events in one batch request. */
export const maxBatchEvents = 500;

/**
 * One event to publish: what the SDK's `publishUntyped` takes, without `organization_id`, which is
 * the key's. `data` is checked against the type's registered schema after this shape.
 */
export const EventToPublish = titled(
  'EventToPublish',
  Type.Object(
    {
      type: SafeString({
        minLength: 1,
        maxLength: 200,
        description: 'An event type of the catalogue (`GET /api/v1/event-types`), e.g. `invoice.created`.',
      }),
      data: Type.Record(Type.String(), Type.Unknown(), {
        description: "The entity as it is after the event, as the type's schema has it.",
      }),
      previous_attributes: Type.Optional(
        Nullable(Type.Record(Type.String(), Type.Unknown(), { description: 'Only on updates: the changed fields as they were before.' })),
      ),
      entity_id: Type.Optional(
        SafeString({ minLength: 1, maxLength: 500, description: 'Defaults to `data.id`; when given it must equal it.' }),
      ),
      id: Type.Optional(
        Type.String({
          pattern: eventIdPattern,
          description:
            'Your own event id (`evt_` + UUIDv7); without an Idempotency-Key it makes a retry of a single event return the first answer.',
        }),
      ),
      occurred_at: Type.Optional(Type.String({ format: 'date-time', description: 'When it happened (RFC 3339); defaults to now.' })),
      severity: Type.Optional(Type.String({ enum: [...eventSeverities], description: "Defaults to the type's." })),
      source: Type.Optional(Type.String({ enum: [...eventSources], description: "Defaults to the type's." })),
      actor: Type.Optional(Nullable(SafeString({ maxLength: 200, description: 'Who or which service made the change.' }))),
      request_id: Type.Optional(Nullable(SafeString({ maxLength: 200, description: 'The request that caused it, for tracing.' }))),
    },
    { additionalProperties: false, description: 'An event to publish.' },
  ),
);
export type EventToPublish = Static<typeof EventToPublish>;

export const EventBatch = titled(
  'EventBatch',
  Type.Object(
    {
      events: Type.Array(EventToPublish, {
        minItems: 1,
        maxItems: maxBatchEvents,
        description: `The events, ${maxBatchEvents} at most: every one is checked before any is published, and one wrong event publishes none.`,
      }),
    },
    { additionalProperties: false },
  ),
);
export type EventBatch = Static<typeof EventBatch>;

export const IdempotencyHeaders = Type.Object({
  'idempotency-key': Type.Optional(
    Type.String({
      minLength: 1,
      maxLength: 255,
      pattern: '^[\\x21-\\x7E]+$',
      description: 'Makes a retry return the first answer instead of publishing again, for 24 hours. Printable ASCII, no spaces.',
    }),
  ),
});

const receipt = {
  object: Type.Literal('event_receipt'),
  id: Type.String({ description: 'The event id (`evt_` + UUIDv7).' }),
  type: Type.String(),
  topic: Type.String({ description: 'The Kafka topic the event is in.' }),
  partition: Type.Integer(),
  offset: Type.String({ description: "The event's offset in its partition (a 64-bit integer, as a string)." }),
};

export const EventReceipt = titled('EventReceipt', Type.Object(receipt, { description: 'Where an acknowledged event landed (acks=all).' }));

export const BatchItem = titled(
  'BatchEventReceipt',
  Type.Object(
    {
      object: Type.Literal('event_receipt'),
      id: Type.String(),
      type: Type.String(),
      status: Type.String({ enum: ['published', 'failed'] }),
      topic: Type.Optional(Type.String()),
      partition: Type.Optional(Type.Integer()),
      offset: Type.Optional(Type.String()),
      error: Type.Optional(Type.Object({ code: Type.String(), message: Type.String() })),
    },
    {
      description:
        'One event of a batch: where it landed, or why Kafka did not take it (send the batch again with the same Idempotency-Key).',
    },
  ),
);

export const BatchReceipt = titled(
  'BatchReceipt',
  Type.Object(
    {
      object: Type.Literal('list'),
      url: Type.Literal('/api/v1/events/batch'),
      has_more: Type.Literal(false),
      data: Type.Array(BatchItem),
    },
    { description: 'Each event of the batch, in the order sent.' },
  ),
);
