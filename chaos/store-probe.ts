import type pg from 'pg';
import { eventIdFloor } from '../core/ids.js';

/** What the pipeline's tables hold for one organization (one scenario), read at once. */
export interface StoreSnapshot {
  /** Per event id in `events`: its rows, and where (`topic:partition`, offset) the first one says it was read. */
  readonly events: ReadonlyMap<string, StoredEvent>;
  /** The deliveries of each event (one destination per scenario): event id → its delivery rows. */
  readonly deliveries: ReadonlyMap<string, readonly StoredDelivery[]>;
  /** Attempts on record per delivery id (the `webhook-id`), by outcome. */
  readonly attempts: ReadonlyMap<string, AttemptCounts>;
  /** Entities whose `version` is not the number of their events in the log (an event applied twice, or skipped). */
  readonly versionMismatches: number;
  /** Entities whose state is not their newest event's (by `occurred_at`, then id). */
  readonly stateMismatches: number;
  /** Dead letters written since the scenario began (poison records carry no organization). */
  readonly deadLetters: readonly DeadLetter[];
}

export interface StoredEvent {
  readonly rows: number;
  readonly partition: string;
  readonly offset: string;
}

export interface StoredDelivery {
  readonly id: string;
  readonly status: string;
}

export interface AttemptCounts {
  readonly all: number;
  /** Those that ended `succeeded` or `failed`: the worker saw the request through, so the receiver must have seen it. */
  readonly concluded: number;
  /** Those that ended `unknown` (the worker died around the send): the request may or may not have left. */
  readonly unknown: number;
}

export interface DeadLetter {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  readonly reasonCode: string;
  readonly reason: string;
}

export async function readStore(pool: pg.Pool, organizationId: string, since: number): Promise<StoreSnapshot> {
  const [events, deliveries, attempts, entities, deadLetters] = await Promise.all([
    pool.query<{ id: string; n: number; partition: string; offset: string }>(
      `select id, count(*)::int as n, min(topic || ':' || kafka_partition) as partition, min(kafka_offset)::text as offset
         from events where organization_id = $1 group by id`,
      [organizationId],
    ),
    pool.query<{ id: string; event_id: string; status: string }>(
      'select id, event_id, status from deliveries where organization_id = $1 and not test',
      [organizationId],
    ),
    pool.query<{ delivery_id: string; n: number; concluded: number; unknown: number }>(
      `select a.delivery_id, count(*)::int as n,
              count(*) filter (where a.outcome in ('succeeded', 'failed'))::int as concluded,
              count(*) filter (where a.outcome = 'unknown')::int as unknown
         from delivery_attempts a join deliveries d on d.id = a.delivery_id
        where d.organization_id = $1 and not d.test group by a.delivery_id`,
      [organizationId],
    ),
    pool.query<{ version_off: number; state_off: number }>(
      `select count(*) filter (where e.version <> l.n)::int as version_off,
              count(*) filter (where e.last_event_id <> l.newest)::int as state_off
         from entities e
         join (select entity_type, entity_id, count(*) as n, (array_agg(id order by occurred_at desc, id desc))[1] as newest
                 from events where organization_id = $1 group by entity_type, entity_id) l using (entity_type, entity_id)
        where e.organization_id = $1`,
      [organizationId],
    ),
    pool.query<{ topic: string; partition: number; kafka_offset: string; reason_code: string; reason: string }>(
      `select topic, partition, kafka_offset::text, reason_code, reason from dead_letters
        where failed_at >= to_timestamp($1::double precision / 1000)`,
      [since],
    ),
  ]);
  const byEvent = new Map<string, StoredDelivery[]>();
  for (const row of deliveries.rows) byEvent.set(row.event_id, [...(byEvent.get(row.event_id) ?? []), { id: row.id, status: row.status }]);
  return {
    events: new Map(events.rows.map((row) => [row.id, { rows: row.n, partition: row.partition, offset: row.offset }])),
    deliveries: byEvent,
    attempts: new Map(attempts.rows.map((row) => [row.delivery_id, { all: row.n, concluded: row.concluded, unknown: row.unknown }])),
    versionMismatches: entities.rows[0]?.version_off ?? 0,
    stateMismatches: entities.rows[0]?.state_off ?? 0,
    deadLetters: deadLetters.rows.map((row) => ({
      topic: row.topic,
      partition: row.partition,
      offset: row.kafka_offset,
      reasonCode: row.reason_code,
      reason: row.reason,
    })),
  };
}

/** Which rows count as progress: of one entity type; on some partitions (`topic:partition`), made after a time (ms). */
export interface ProgressFilter {
  readonly entityType?: string | undefined;
  readonly partitions?: readonly string[] | undefined;
  readonly createdAfter?: number | undefined;
}

/**
 * When the organization's first event row written after `since` (ms since the epoch) was
 * written, by `ingested_at` (the start of the materializer's transaction), among the rows `filter` takes.
 */
export async function firstStoredAfter(
  pool: pg.Pool,
  organizationId: string,
  since: number,
  filter: ProgressFilter = {},
): Promise<number | undefined> {
  const { rows } = await pool.query<{ at: string | null }>(
    `select (extract(epoch from min(ingested_at)) * 1000)::bigint::text as at
       from events
      where organization_id = $1 and ingested_at > to_timestamp($2::double precision / 1000)
        and ($3::text is null or entity_type = $3)
        and ($4::text[] is null or topic || ':' || kafka_partition = any($4::text[]))
        and ($5::text is null or id >= $5)`,
    [
      organizationId,
      since,
      filter.entityType ?? null,
      filter.partitions ?? null,
      filter.createdAfter === undefined ? null : eventIdFloor(filter.createdAfter + 1),
    ],
  );
  const at = rows[0]?.at;
  return at === null || at === undefined ? undefined : Number(at);
}
