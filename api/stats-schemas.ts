import { Type, type Static } from 'typebox';
import { eventSeverities } from '../core/event-schema.js';
import { destinationKinds } from '../destinations/index.js';
import { Nullable, SafeInteger, titled } from './schemas.js';

/** Response and request schemas of the console's operational views: event rates, destination health, consumer lag. */

export const EventStatsQuery = Type.Object(
  {
    minutes: Type.Optional(
      SafeInteger({ minimum: 1, maximum: 1440, default: 60, description: 'How many minutes back, the current one included: 1 to 1440.' }),
    ),
  },
  { additionalProperties: false },
);
export type EventStatsQuery = Static<typeof EventStatsQuery>;

export const EventStats = titled(
  'EventStats',
  Type.Object(
    {
      object: Type.Literal('event_stats'),
      from: Type.String({ format: 'date-time', description: 'The start of the first minute of the window.' }),
      to: Type.String({ format: 'date-time', description: 'Now: the end of the window.' }),
      // A whole number of seconds. `Type.Literal(60)` says `number`, which OpenAPI Generator's Java
      // client turns into a BigDecimal enum that does not compile.
      bucket_seconds: Type.Unsafe<60>(Type.Integer({ enum: [60] })),
      data: Type.Array(
        Type.Object({
          minute: Type.String({ format: 'date-time', description: 'The start of the minute (UTC).' }),
          type: Type.String(),
          severity: Type.String({ enum: [...eventSeverities] }),
          count: Type.Integer({ minimum: 1 }),
        }),
        { description: 'Only the non-zero buckets, by minute then type.' },
      ),
    },
    { description: "How many of the organization's events were created per minute, type and severity (the time in the event id)." },
  ),
);

const count = (description: string) => Type.Integer({ minimum: 0, description });

export const DestinationStats = titled(
  'DestinationStats',
  Type.Object({
    object: Type.Literal('destination_stats'),
    destination_id: Type.String(),
    type: Type.String({ enum: destinationKinds.map((kind) => kind.name) }),
    description: Nullable(Type.String()),
    active: Type.Boolean(),
    disabled_reason: Nullable(Type.String()),
    queue_depth: count('Deliveries still to be sent: pending or needs_retry.'),
    oldest_pending_at: Nullable(Type.String({ format: 'date-time', description: 'When the oldest of them was recorded.' })),
    deliveries: Type.Object(
      {
        pending: count('Recorded, not attempted yet (or due again after a retry or replay).'),
        needs_retry: count('Failed at least once, another attempt is scheduled.'),
        delivered: count('Delivered.'),
        failed: count('Given up after the retry schedule.'),
      },
      { description: 'Every retained delivery, by status.' },
    ),
    last_hour: Type.Object(
      {
        attempts: count('Attempts made in the last hour.'),
        succeeded: count('Of them, those the destination accepted.'),
        failed: count('Of them, those that failed.'),
        success_rate: Nullable(Type.Number({ minimum: 0, maximum: 1, description: 'succeeded / attempts; null without attempts.' })),
      },
      { description: 'Attempts of the last hour.' },
    ),
  }),
);

export const ConsumerLag = titled(
  'ConsumerLag',
  Type.Object({
    object: Type.Literal('consumer_lag'),
    group_id: Type.String({ description: 'The consumer group (materializer or streamer).' }),
    lag: Nullable(Type.Integer({ description: 'Records on its partitions it has not written yet; null when Kafka did not answer.' })),
    partitions: Type.Array(
      Type.Object({
        topic: Type.String(),
        partition: Type.Integer(),
        next_offset: Type.Integer({ description: 'The offset of the next record the group will write (stored with its writes).' }),
        high_watermark: Nullable(Type.Integer({ description: "The offset Kafka's next record will get; null when Kafka did not answer." })),
        lag: Nullable(Type.Integer()),
      }),
    ),
    updated_at: Type.String({ format: 'date-time', description: 'When the group last stored a position.' }),
  }),
);

export const ConsumerLagList = titled(
  'ConsumerLagList',
  Type.Object(
    {
      object: Type.Literal('list'),
      url: Type.String(),
      has_more: Type.Boolean(),
      data: Type.Array(ConsumerLag),
      error: Type.Optional(Type.String({ description: 'Why high watermarks and lag are null: what Kafka did or did not answer.' })),
    },
    { description: 'Every consumer group of the pipeline with its lag per partition.' },
  ),
);
