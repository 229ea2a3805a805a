import type { ApiContext, ApiInstance } from '../context.js';
import { partitionKey } from '../high-watermarks.js';
import { NoQuery, errorResponses, listOf } from '../schemas.js';
import { countEventsPerMinute } from '../../store/count-events-per-minute.js';
import { listConsumerPositions } from '../../store/list-consumer-positions.js';
import { listDestinationStats } from '../../store/list-destination-stats.js';
import { ConsumerLagList, DestinationStats, EventStats, EventStatsQuery } from '../stats-schemas.js';

const minuteMs = 60_000;
/** Lag is the pipeline's, the same for every key: one answer serves every request for this long. */
const lagFreshMs = 2_000;

type LagAnswer = {
  object: 'list';
  url: string;
  has_more: false;
  data: {
    object: 'consumer_lag';
    group_id: string;
    lag: number | null;
    partitions: { topic: string; partition: number; next_offset: number; high_watermark: number | null; lag: number | null }[];
    updated_at: string;
  }[];
  error?: string;
};

/** What the console's overview shows: event rates, destination health, consumer lag. */
export function statsRoutes(app: ApiInstance, ctx: ApiContext): void {
  const tags = ['stats'];

  app.get(
    '/api/v1/stats/events',
    {
      config: { scope: 'events:read' },
      schema: {
        operationId: 'retrieveEventStats',
        summary: 'Count events per minute',
        description:
          "The organization's events created in each of the last `minutes` minutes (the current one included), per type and severity. Only non-zero buckets, by minute then type.",
        tags,
        querystring: EventStatsQuery,
        response: { 200: EventStats, ...errorResponses },
      },
    },
    async (request) => {
      const minutes = request.query.minutes ?? 60;
      const now = Date.now();
      const from = Math.floor(now / minuteMs) * minuteMs - (minutes - 1) * minuteMs;
      // The window ends after now's millisecond: an event created in it is counted.
      const rows = await countEventsPerMinute(ctx.query, request.organizationId, from, now + 1);
      return {
        object: 'event_stats' as const,
        from: new Date(from).toISOString(),
        to: new Date(now).toISOString(),
        bucket_seconds: 60 as const,
        data: rows.map((row) => ({
          minute: new Date(Number(row.minute_ms)).toISOString(),
          type: row.type,
          severity: row.severity,
          count: row.count,
        })),
      };
    },
  );

  app.get(
    '/api/v1/stats/destinations',
    {
      config: { scope: 'destinations:read' },
      schema: {
        operationId: 'listDestinationStats',
        summary: 'Destination health',
        description:
          'Every destination of the organization, newest first, with its queue (deliveries pending or to be retried, and the oldest one), its deliveries by status, and its attempts and success rate over the last hour.',
        tags,
        querystring: NoQuery,
        response: { 200: listOf(DestinationStats, 'Every destination with its delivery figures.'), ...errorResponses },
      },
    },
    async (request) => {
      const rows = await listDestinationStats(ctx.query, request.organizationId);
      return {
        object: 'list' as const,
        url: '/api/v1/stats/destinations',
        has_more: false,
        data: rows.map((row) => ({
          object: 'destination_stats' as const,
          destination_id: row.id,
          type: row.type,
          description: row.description,
          active: row.active,
          disabled_reason: row.disabled_reason,
          queue_depth: row.pending + row.needs_retry,
          oldest_pending_at: row.oldest_pending_at?.toISOString() ?? null,
          deliveries: { pending: row.pending, needs_retry: row.needs_retry, delivered: row.delivered, failed: row.failed },
          last_hour: {
            attempts: row.attempts,
            succeeded: row.succeeded,
            failed: row.attempts - row.succeeded,
            success_rate: row.attempts === 0 ? null : row.succeeded / row.attempts,
          },
        })),
      };
    },
  );

  let lag: { at: number; answer: Promise<LagAnswer> } | undefined;
  app.get(
    '/api/v1/stats/consumers',
    {
      config: { scope: 'events:read' },
      schema: {
        operationId: 'listConsumerLag',
        summary: 'Consumer lag',
        description:
          "The pipeline's consumer groups (materializer, streamer): for each partition the position stored with the group's writes, Kafka's high watermark and the records in between. Not scoped to the organization: it is the pipeline's. When Kafka does not answer within 2 s, high watermarks and lag are null and `error` says why. Answers are reused for 2 s.",
        tags,
        querystring: NoQuery,
        response: { 200: ConsumerLagList, ...errorResponses },
      },
    },
    async () => {
      const now = Date.now();
      if (lag === undefined || now - lag.at > lagFreshMs) {
        const answer = readLag(ctx);
        lag = { at: now, answer };
        // A failed read (the store unreachable) is not reused.
        answer.catch(() => (lag = undefined));
      }
      return lag.answer;
    },
  );
}

async function readLag(ctx: ApiContext): Promise<LagAnswer> {
  const positions = await listConsumerPositions(ctx.query, ctx.topicPrefix);
  const topics = [...new Set(positions.map((position) => position.topic))];
  const { offsets, error } =
    ctx.highWatermarks === undefined
      ? { offsets: new Map<string, bigint>(), error: 'The API was started without Kafka brokers (KAFKA_BROKERS); lag is unknown.' }
      : await ctx.highWatermarks.read(topics);
  const groups = new Map<string, LagAnswer['data'][number]>();
  for (const position of positions) {
    let group = groups.get(position.group_id);
    if (group === undefined) {
      group = {
        object: 'consumer_lag',
        group_id: position.group_id,
        lag: 0,
        partitions: [],
        updated_at: position.updated_at.toISOString(),
      };
      groups.set(position.group_id, group);
    }
    const next = BigInt(position.next_offset);
    const high = offsets.get(partitionKey(position.topic, position.partition));
    // A position past the watermark (a topic recreated under the same name) is no lag.
    const partitionLag = high === undefined ? null : Number(high > next ? high - next : 0n);
    group.partitions.push({
      topic: position.topic,
      partition: position.partition,
      next_offset: Number(next),
      high_watermark: high === undefined ? null : Number(high),
      lag: partitionLag,
    });
    group.lag = group.lag === null || partitionLag === null ? null : group.lag + partitionLag;
    if (position.updated_at.toISOString() > group.updated_at) group.updated_at = position.updated_at.toISOString();
  }
  return {
    object: 'list',
    url: '/api/v1/stats/consumers',
    has_more: false,
    data: [...groups.values()],
    ...(error === undefined ? {} : { error }),
  };
}
