import type pg from 'pg';
import { copyRows, type CopyValue } from '../adapters/copy.js';
import type { EventRow } from './event-object.js';

/** An event as the materializer logs it: the row the API reads, and the record it came from. */
export interface LoggedEventRow extends EventRow {
  readonly schema_id: number;
  readonly topic: string;
  readonly kafka_partition: number;
  readonly kafka_offset: string;
}

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
 * Creates the connection's staging table, once per connection. Call it outside a transaction: a
 * table created in one that rolls back would be gone while this still counts it as made.
 */
export async function prepareEventStaging(client: pg.ClientBase): Promise<void> {
  if (prepared.has(client)) return;
  await client.query(createStaging);
  prepared.add(client);
}

/**
 * Inside the caller's transaction: adds the rows marked `inLog` to the event log and applies every
 * row to its entity's state. Returns how many log rows were new (a stored event is not added twice).
 */
export async function insertEvents(
  client: pg.ClientBase,
  rows: readonly { readonly row: LoggedEventRow; readonly inLog: boolean }[],
): Promise<number> {
  if (rows.length === 0) return 0;
  await copyRows(
    client,
    'materializer_staging',
    stagingColumns,
    rows.map(({ row, inLog }) => [...eventRowValues(row), inLog]),
  );
  const { rows: result } = await client.query<{ inserted: number }>(applyStaged);
  return result[0]?.inserted ?? 0;
}

/** A row's values in `eventLogColumns` order. */
export function eventRowValues(row: LoggedEventRow): CopyValue[] {
  return [
    row.id,
    row.type,
    row.entity_type,
    row.entity_id,
    row.action,
    row.organization_id,
    row.occurred_at,
    row.source,
    row.severity,
    row.request_id,
    row.actor,
    JSON.stringify(row.data),
    row.previous_attributes === null ? null : JSON.stringify(row.previous_attributes),
    row.schema_id,
    row.topic,
    row.kafka_partition,
    row.kafka_offset,
  ];
}
