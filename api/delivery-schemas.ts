import { Type, type Static } from 'typebox';
import { Event, Nullable, SafeInteger, SafeString, timeBound, titled } from './schemas.js';

/** Request and response schemas of the delivery log (deliveries, attempts, retry, replay, test). */

const deliveryIdPattern = '^dlv_[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$';
export const deliveryStatuses = ['pending', 'needs_retry', 'delivered', 'failed'] as const;

export const attemptOutcomes = ['sending', 'succeeded', 'failed', 'unknown'] as const;

export const Attempt = titled(
  'Attempt',
  Type.Object({
    attempt: Type.Integer({ description: 'The attempt number, from 1.' }),
    attempted_at: Type.String({ format: 'date-time', description: 'When the attempt was put on record, just before it was sent.' }),
    outcome: Type.String({
      enum: [...attemptOutcomes],
      description:
        '`sending`: being made now; `succeeded` or `failed`: the answer (or its absence) is below; `unknown`: the worker stopped (crashed, lost the database) before it recorded an answer, so the receiver may or may not have it.',
    }),
    duration_ms: Nullable(Type.Integer({ description: 'Null while sending, or when unknown.' })),
    status_code: Nullable(Type.Integer({ description: 'The HTTP status, when a response came.' })),
    error: Nullable(Type.String({ description: 'Why the attempt failed; null when it succeeded.' })),
    response_body: Nullable(Type.String({ description: 'The first 2 KB of the response body.' })),
    batch_id: Nullable(Type.String({ description: 'Batch mode: the batch (and its webhook-id) the attempt sent.' })),
  }),
);

export const Delivery = titled(
  'Delivery',
  Type.Object({
    id: Type.String({ description: '`dlv_` + a UUIDv7; also the `webhook-id` of a webhook delivery, the same on every retry.' }),
    object: Type.Literal('delivery'),
    destination_id: Type.String(),
    event_id: Type.String(),
    event_type: Type.String(),
    entity_type: Type.String(),
    entity_id: Type.String(),
    status: Type.String({ enum: [...deliveryStatuses] }),
    test: Type.Boolean({ description: 'A sample event sent by POST /destinations/{id}/test.' }),
    times_attempted: Type.Integer(),
    last_attempt_at: Nullable(Type.String({ format: 'date-time' })),
    next_attempt_at: Nullable(Type.String({ format: 'date-time', description: 'When it is due; null once settled.' })),
    delivered_at: Nullable(Type.String({ format: 'date-time' })),
    last_status_code: Nullable(Type.Integer()),
    last_error: Nullable(Type.String()),
    event_retained: Type.Boolean({
      description: 'Whether the event is still in the event log (GET /events/{id}); past its retention only this delivery keeps a copy.',
    }),
    created_at: Type.String({ format: 'date-time' }),
    updated_at: Type.String({ format: 'date-time' }),
  }),
);
export type DeliveryObject = Static<typeof Delivery>;

export const DeliveryWithAttempts = titled(
  'DeliveryWithAttempts',
  Type.Object({
    ...Delivery.properties,
    event: Event,
    attempts: Type.Array(Attempt, { description: 'Every attempt, oldest first.' }),
  }),
);

export const DeliveryId = Type.Object({ id: Type.String({ pattern: deliveryIdPattern, description: 'A delivery id (dlv_…).' }) });

export const ListDeliveriesQuery = Type.Object(
  {
    limit: Type.Optional(SafeInteger({ minimum: 1, maximum: 100, default: 20, description: 'How many deliveries to return, 1 to 100.' })),
    starting_after: Type.Optional(
      Type.String({ pattern: deliveryIdPattern, description: 'Cursor: the deliveries after (older than) this one.' }),
    ),
    ending_before: Type.Optional(
      Type.String({ pattern: deliveryIdPattern, description: 'Cursor: the deliveries before (newer than) this one.' }),
    ),
    status: Type.Optional(Type.String({ enum: [...deliveryStatuses] })),
    type: Type.Optional(SafeString({ minLength: 1, maxLength: 200, description: 'An event type or pattern (`invoice.*`).' })),
    event_id: Type.Optional(SafeString({ minLength: 1, maxLength: 100, description: 'Only the deliveries of this event.' })),
    'created[gte]': timeBound('Recorded at or after this time (RFC 3339).'),
    'created[gt]': timeBound('Recorded after this time (RFC 3339).'),
    'created[lte]': timeBound('Recorded at or before this time (RFC 3339).'),
    'created[lt]': timeBound('Recorded before this time (RFC 3339).'),
  },
  { additionalProperties: false },
);
export type ListDeliveriesQuery = Static<typeof ListDeliveriesQuery>;

export const ListAllDeliveriesQuery = Type.Object(
  {
    ...ListDeliveriesQuery.properties,
    destination_id: Type.Optional(SafeString({ minLength: 1, maxLength: 100, description: 'Only this destination’s deliveries.' })),
  },
  { additionalProperties: false },
);
export type ListAllDeliveriesQuery = Static<typeof ListAllDeliveriesQuery>;

export const Replay = titled(
  'ReplayRequest',
  Type.Object(
    {
      since: SafeString({ format: 'date-time', description: 'Deliveries recorded at or after this time (RFC 3339).' }),
      until: Type.Optional(SafeString({ format: 'date-time', description: 'And before this time; default now.' })),
      status: Type.Optional(
        Type.String({ enum: ['failed', 'all'], description: '`failed` (default) resends the failed ones; `all` every settled one.' }),
      ),
    },
    { additionalProperties: false },
  ),
);

export const ReplayResult = titled(
  'ReplayResult',
  Type.Object({
    object: Type.Literal('replay'),
    destination_id: Type.String(),
    deliveries: Type.Integer({ description: 'How many deliveries are due again.' }),
  }),
);

export const TestSend = titled(
  'TestSendRequest',
  Type.Object(
    { event_type: SafeString({ minLength: 1, maxLength: 200, description: 'The catalogue type of the sample event.' }) },
    { additionalProperties: false },
  ),
);
