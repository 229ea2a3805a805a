import type pg from 'pg';
import { copyRows, type CopyValue } from '../../adapters/copy.js';
import { isDataError } from '../../adapters/database.js';
import { lockPosition, planOffsets, storePosition, type PartitionKey } from '../offsets.js';
import { dayOf } from './partitions.js';
import { deadLetter, type DeadLetter, type EventRow, type RawRecord } from './records.js';

/** One fetched record with its event row, or as a dead letter. Items come in offset order. */
export type BatchItem = { readonly record: RawRecord; readonly row: EventRow } | { readonly record: RawRecord; readonly dead: DeadLetter };

export interface WriteRequest {
  readonly key: PartitionKey;
  readonly items: readonly BatchItem[];
  /** Rows of days before this one are not added to the log (retention would drop them); state still applies. */
  readonly cutoffDay: number | undefined;
  /** The partition's first offset in Kafka, asked only when the stored position does not cover the batch. */
  readonly logStart: () => Promise<bigint>;
  /** Sends dead letters to the dead-letter topic; called inside the transaction, before it commits. */
  readonly publishDeadLetters: (letters: readonly DeadLetter[]) => Promise<void>;
  /** Makes sure the log has a partition for each day. */
  readonly ensureDays: (days: Iterable<number>) => Promise<void>;
}

export type WriteOutcome =
  | {
      readonly kind: 'written';
      /** Log rows added (duplicates of stored events are not). */
      readonly inserted: number;
      /** Rows older than the retention, applied to state only. */
      readonly expired: number;
      /** Rows whose event was in the log already (a replay, or a producer's retry). */
      readonly duplicates: number;
      /** Records below the stored position: written before. */
      readonly skipped: number;
      readonly deadLetters: readonly DeadLetter[];
      readonly lost?: { readonly from: bigint; readonly to: bigint };
    }
  | { readonly kind: 'rewind'; readonly to: bigint };

const stagingColumns = [
  'id',
  'type',
  'entity_type',
  'entity_id',
  'action',
  'organization_id',
  'occurred_at',
  'source',
  'severity',
  'request_id',
  'actor',
  'data',
  'previous_attributes',
  'schema_id',
  'topic',
  'kafka_partition',
  'kafka_offset',
  'in_log',
] as const;
/** The columns a materializer writes into `events` (all but `ingested_at`, which defaults to now()). */
export const eventLogColumns = stagingColumns.filter((column) => column !== 'in_log');
const logColumns = eventLogColumns.join(', ');

// A temporary table per connection (ON COMMIT DELETE ROWS empties it at each commit): COPY has
// no ON CONFLICT, so rows are copied here and moved with INSERT … SELECT … ON CONFLICT DO NOTHING.
const createStaging = `create temporary table if not exists materializer_staging (
  id text collate "C" not null, type text collate "C" not null, entity_type text collate "C" not null,
  entity_id text collate "C" not null, action text not null, organization_id text collate "C" not null,
  occurred_at timestamptz not null, source text not null, severity text not null, request_id text, actor text,
  data jsonb not null, previous_attributes jsonb, schema_id integer not null, topic text not null,
  kafka_partition integer not null, kafka_offset bigint not null, in_log boolean not null
) on commit delete rows`;

// Newer = later occurred_at, then the later event id (UUIDv7: later made). State never moves back.
const newer = '(excluded.last_occurred_at, excluded.last_event_id) > (e.last_occurred_at, e.last_event_id)';
const pick = (column: string) => `${column} = case when ${newer} then excluded.${column} else e.${column} end`;

/**
 * One statement moves the staged rows: new events into the log (idempotent on the event id),
 * then per entity the newest staged event into `entities` if it is newer than what the row holds,
 * and the count of newly logged events onto its version. Entities are upserted in key order so
 * concurrent transactions lock rows in the same order.
 */
const applyStaged = `
with inserted as (
  insert into events (${logColumns})
  select ${logColumns} from materializer_staging where in_log
  on conflict (id) do nothing
  returning organization_id, entity_type, entity_id
), counts as (
  select organization_id, entity_type, entity_id, count(*) as n from inserted group by 1, 2, 3
), newest as (
  select distinct on (organization_id, entity_type, entity_id)
         organization_id, entity_type, entity_id, data, id, type, occurred_at, action
    from materializer_staging
   order by organization_id, entity_type, entity_id, occurred_at desc, id desc
), upserted as (
  insert into entities as e (organization_id, entity_type, entity_id, data, last_event_id, last_event_type, last_occurred_at, version, deleted)
  select n.organization_id, n.entity_type, n.entity_id, n.data, n.id, n.type, n.occurred_at, coalesce(c.n, 0), n.action = 'deleted'
    from newest n left join counts c using (organization_id, entity_type, entity_id)
   order by n.organization_id, n.entity_type, n.entity_id
  on conflict (organization_id, entity_type, entity_id) do update set
    ${pick('data')}, ${pick('last_event_type')}, ${pick('deleted')},
    updated_at = case when ${newer} then now() else e.updated_at end,
    version = e.version + excluded.version,
    ${pick('last_occurred_at')}, ${pick('last_event_id')}
  where ${newer} or excluded.version > 0
  returning 1
)
select (select count(*) from inserted)::int as inserted`;

const prepared = new WeakSet<pg.ClientBase>();

/**
 * Writes one batch of one partition in one transaction: the events, the entities' state, the dead
 * letters and the partition's next position, or none of them. The position row is locked first
 * and decides what is written (see `planOffsets`), so a replayed batch, a batch fetched by a member
 * that has since lost the partition, or one fetched from Kafka's committed offset writes nothing
 * twice. A row PostgreSQL rejects (a data error) is found by halving the batch and becomes a dead
 * letter; the rest is written.
 */
export async function writeBatch(client: pg.ClientBase, request: WriteRequest): Promise<WriteOutcome> {
  try {
    return await writeOnce(client, request);
  } catch (error) {
    if (!isDataError(error)) throw error;
    const { items } = request;
    if (items.length === 1) {
      const [item] = items as [BatchItem];
      if (!('row' in item)) throw error;
      const dead = deadLetter(item.record, 'rejected', `PostgreSQL rejected event ${item.row.id}: ${(error as Error).message}`);
      return writeOnce(client, { ...request, items: [{ record: item.record, dead }] });
    }
    const half = Math.ceil(items.length / 2);
    const first = await writeBatch(client, { ...request, items: items.slice(0, half) });
    if (first.kind === 'rewind') return first;
    const second = await writeBatch(client, { ...request, items: items.slice(half) });
    if (second.kind === 'rewind') return second;
    return {
      kind: 'written',
      inserted: first.inserted + second.inserted,
      expired: first.expired + second.expired,
      duplicates: first.duplicates + second.duplicates,
      skipped: first.skipped + second.skipped,
      deadLetters: [...first.deadLetters, ...second.deadLetters],
      ...(first.lost ? { lost: first.lost } : {}),
    };
  }
}

async function writeOnce(client: pg.ClientBase, request: WriteRequest): Promise<WriteOutcome> {
  const { key, items, cutoffDay } = request;
  const firstOffset = BigInt((items[0] as BatchItem).record.offset);
  const lastOffset = BigInt((items[items.length - 1] as BatchItem).record.offset);
  const rows = items.flatMap((item) => ('row' in item ? [item.row] : []));
  const days = new Set(rows.map((row) => dayOf(row.idTime)).filter((day) => cutoffDay === undefined || day >= cutoffDay));
  await request.ensureDays(days);

  if (!prepared.has(client)) {
    await client.query(createStaging);
    prepared.add(client);
  }
  await client.query('begin');
  try {
    const plan = await planOffsets(await lockPosition(client, key), firstOffset, lastOffset, request.logStart);
    if (plan.kind !== 'write') {
      await client.query('rollback');
      return plan.kind === 'rewind'
        ? plan
        : { kind: 'written', inserted: 0, expired: 0, duplicates: 0, skipped: items.length, deadLetters: [] };
    }
    const fresh = items.filter((item) => BigInt(item.record.offset) >= plan.from);
    const freshRows = fresh.flatMap((item) => ('row' in item ? [item.row] : []));
    const deadLetters = fresh.flatMap((item) => ('dead' in item ? [item.dead] : []));
    let inserted = 0;
    let expired = 0;
    if (freshRows.length > 0) {
      await copyRows(
        client,
        'materializer_staging',
        stagingColumns,
        freshRows.map((row) => {
          const inLog = cutoffDay === undefined || dayOf(row.idTime) >= cutoffDay;
          if (!inLog) expired++;
          return [...eventRowValues(row), inLog];
        }),
      );
      const { rows: result } = await client.query<{ inserted: number }>(applyStaged);
      inserted = result[0]?.inserted ?? 0;
    }
    if (deadLetters.length > 0) {
      await request.publishDeadLetters(deadLetters);
      await insertDeadLetters(client, key.groupId, deadLetters);
    }
    await storePosition(client, key, lastOffset + 1n);
    await client.query('commit');
    return {
      kind: 'written',
      inserted,
      expired,
      duplicates: freshRows.length - expired - inserted,
      skipped: items.length - fresh.length,
      deadLetters,
      ...(plan.lost ? { lost: plan.lost } : {}),
    };
  } catch (error) {
    await client.query('rollback').catch(() => undefined);
    throw error;
  }
}

/** A row's values in `eventLogColumns` order. */
export function eventRowValues(row: EventRow): CopyValue[] {
  return [
    row.id,
    row.type,
    row.entityType,
    row.entityId,
    row.action,
    row.organizationId,
    row.occurredAt,
    row.source,
    row.severity,
    row.requestId,
    row.actor,
    row.data,
    row.previousAttributes,
    row.schemaId,
    row.topic,
    row.partition,
    row.offset,
  ];
}

async function insertDeadLetters(client: pg.ClientBase, groupId: string, letters: readonly DeadLetter[]): Promise<void> {
  await client.query(
    `insert into dead_letters (group_id, topic, partition, kafka_offset, record_timestamp, key, value, headers, reason_code, reason)
     select $1, l.topic, l.partition, l.kafka_offset, to_timestamp(nullif(l.ts, '')::bigint / 1000.0), l.key, l.value, l.headers, l.code, l.reason
       from unnest($2::text[], $3::int[], $4::bigint[], $5::text[], $6::bytea[], $7::bytea[], $8::jsonb[], $9::text[], $10::text[])
            as l(topic, partition, kafka_offset, ts, key, value, headers, code, reason)
     on conflict (group_id, topic, partition, kafka_offset) do nothing`,
    [
      groupId,
      letters.map((l) => l.topic),
      letters.map((l) => l.partition),
      letters.map((l) => l.offset),
      letters.map((l) => l.timestamp),
      letters.map((l) => l.key),
      letters.map((l) => l.value),
      letters.map((l) => JSON.stringify(l.headers)),
      letters.map((l) => l.code),
      letters.map((l) => l.reason),
    ],
  );
}
