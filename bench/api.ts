import { performance } from 'node:perf_hooks';
import autocannon from 'autocannon';
import pg from 'pg';
import { type CopyValue, copyRows } from '../adapters/copy.js';
import { createPool } from '../adapters/database.js';
import { migratePool } from '../adapters/migrate.js';
import { createApiKey } from '../core/api-keys.js';
import { createEventId } from '../core/ids.js';
import { entityTopic } from '../core/topics.js';
import type { Api } from '../api/index.js';
import { parseCreatedRange, parseEventFilter } from '../api/event-filter.js';
import { apiDefaults } from '../api/options.js';
import type { ListEventsQuery } from '../api/schemas.js';
import { createApiKeyRow } from '../store/api-keys.js';
import { listEvents } from '../store/list-events.js';
import type { Database } from '../store/query.js';
import { createPartitionManager, dayOf } from '../store/event-partitions.js';
import { eventLogColumns, eventRowValues, type LoggedEventRow } from '../store/insert-events.js';
import { readCatalogue } from '../schemas/catalogue.js';
import { summarize, type LatencySummary } from './lib/percentiles.js';
import { removeScenarioState, startBenchApi, withCleanup, type Cleanable, type ScenarioStack } from './lib/stack.js';

export type { LatencySummary } from './lib/percentiles.js';

/**
 * The api scenario: how fast the Events API serves `GET /api/v1/events` pages over a large event
 * log, next to the same SQL run straight against PostgreSQL.
 *
 * Set-up (untimed): a schema of its own, migrated; the day partitions of the last few days and
 * tomorrow (as the materializer keeps them), plus `emptyPartitions` empty older days; N
 * events copied straight into `events` (no Kafka, no materializer), then VACUUM ANALYZE; an API
 * key; the API started in this process (`startApi`, a free port on 127.0.0.1).
 *
 * Then for each of three pages (first page, a filtered page, a page behind a deep cursor):
 * autocannon against the API for `seconds`, then the exact SQL the API runs for that page
 * (`listEvents`, captured) in a loop on as many pg connections as autocannon has HTTP ones, for
 * as long. Each is preceded by an untimed warm-up. Only measures; nothing here asserts on time.
 */
export interface ApiBenchOptions extends Pick<ScenarioStack, 'databaseUrl' | 'schemaRegistryUrl' | 'topicPrefix' | 'logger'>, Cleanable {
  /** Events loaded into the log (N). */
  readonly events: number;
  /** Seconds each measurement lasts (API and PostgreSQL alike, per page). */
  readonly seconds: number;
  /** autocannon's HTTP connections, and the pg connections of the PostgreSQL loop. */
  readonly connections: number;
  /**
   * Empty day partitions added before the data's first day. A log with 90 days of retention holds
   * about 92 partitions; the pages without an id bound read (plan and open) every one of them.
   */
  readonly emptyPartitions: number;
  /** `bench_<random>_api`: created, migrated and dropped by the scenario. */
  readonly schema: string;
}

export type ApiPage = 'first page' | 'filtered page' | 'deep cursor page';

export interface ApiMeasurement {
  /** Responses received (any status) while measuring. */
  readonly requests: number;
  readonly requestsPerSec: number;
  /** ms, of every response, from autocannon's per-response time (sub-millisecond). */
  readonly latencyMs: LatencySummary | null;
  readonly non2xx: number;
  readonly statusCodes: Readonly<Record<string, number>>;
  /** Connection errors and timeouts, as autocannon counts them. */
  readonly errors: number;
  readonly timeouts: number;
  readonly elapsedMs: number;
  /** autocannon's own summary (its latency percentiles are whole ms). */
  readonly autocannon: { readonly requestsPerSecAvg: number; readonly latencyMsP50: number; readonly latencyMsP99: number };
}

export interface PostgresMeasurement {
  readonly queries: number;
  readonly queriesPerSec: number;
  readonly latencyMs: LatencySummary | null;
  readonly errors: number;
  readonly firstError: string | null;
  readonly elapsedMs: number;
}

export interface ApiResult {
  readonly scenario: ApiPage;
  /** The request measured, without the host. */
  readonly path: string;
  /** What the API does for it: the statement and its parameters. */
  /** The statements the API ran for the page, in order (one per time window it read, see listEvents). */
  readonly sql: readonly { readonly text: string; readonly values: readonly unknown[] }[];
  /** Rows on the page and has_more, as the API answered before measuring. */
  readonly page: { readonly rows: number; readonly hasMore: boolean; readonly sameAsSql: boolean } | null;
  /** EXPLAIN (ANALYZE, BUFFERS) of the statement, run once after the measurements. */
  readonly plan: readonly string[];
  readonly planPlanningMs: number | null;
  readonly planExecutionMs: number | null;
  readonly api: ApiMeasurement | null;
  readonly postgres: PostgresMeasurement | null;
  readonly error: string | null;
}

export interface ApiReport {
  readonly scenario: 'api';
  readonly events: number;
  readonly seconds: number;
  readonly warmupSeconds: number;
  readonly connections: number;
  readonly apiPoolSize: number;
  readonly schema: string;
  readonly postgresVersion: string;
  readonly dataset: {
    readonly organizations: Readonly<Record<string, number>>;
    readonly types: Readonly<Record<string, number>>;
    readonly severities: Readonly<Record<string, number>>;
    /** The UTC days holding events. */
    readonly days: readonly string[];
    /** Day partitions of `events` in all (the days with events, tomorrow, and the empty older ones). */
    readonly partitions: number;
    readonly from: string;
    readonly to: string;
    readonly avgDataBytes: number;
    readonly tableBytes: number;
    /** Rows of org_bench the filtered page's filter selects. */
    readonly filteredRows: number;
    /** org_bench events newer than the deep cursor. */
    readonly cursorDepth: number;
    readonly cursor: string;
  };
  /** Untimed set-up, for reference. */
  readonly load: { readonly elapsedMs: number; readonly rowsPerSec: number; readonly vacuumAnalyzeMs: number };
  readonly results: readonly ApiResult[];
}

/** What an interrupted run stops: the load and measurement loops check `stopping`. */
interface Active {
  stopping: boolean;
  instance?: autocannon.Instance;
  clients: pg.Client[];
}

const interrupted = () => new Error('interrupted');

export const benchOrganization = 'org_bench';
const otherOrganization = 'org_other';
/** The share of events of the second organization. */
const otherShare = 0.1;
/** The events' ids (their creation times) spread evenly over this much time, ending now. */
const spanMs = 3 * 86_400_000;
const chunkRows = 100_000;
const warmupSeconds = 1;
/** The deep cursor: this share of org_bench's events is newer than it. */
const cursorShare = 0.9;
const limit = 20;
const kafkaPartitions = 6;

/** The pages measured: query parameters of `GET /api/v1/events` (the cursor is filled in once the data is loaded). */
const pages: readonly { readonly scenario: ApiPage; readonly params: (cursor: string) => Record<string, string> }[] = [
  { scenario: 'first page', params: () => ({ limit: String(limit) }) },
  { scenario: 'filtered page', params: () => ({ limit: String(limit), type: 'invoice.*', severity: 'warn' }) },
  { scenario: 'deep cursor page', params: (cursor) => ({ limit: String(limit), starting_after: cursor }) },
];

export async function runApiBench(options: ApiBenchOptions): Promise<ApiReport> {
  const { logger, schema } = options;
  // The partition manager logs every partition it creates at info: up to ~90 lines here.
  const quiet = logger.child({}, { level: 'warn' });
  const pool = createPool({ url: options.databaseUrl, schema, max: 2, applicationName: 'evp-bench-api', logger });
  let api: Api | undefined;
  const active: Active = { stopping: false, clients: [] };
  const cleanup = async (): Promise<void> => {
    active.stopping = true;
    active.instance?.stop();
    await Promise.all(active.clients.map((client) => client.end().catch(() => undefined)));
    await api?.stop().catch((error: unknown) => logger.warn({ err: error }, 'stopping the API failed'));
    await pool.end().catch(() => undefined);
    await removeScenarioState(options, [], [schema]);
  };

  return withCleanup(options, cleanup, async () => {
    // Set-up (untimed): the store's tables, the partitions, the events, statistics, a key, the API.
    await migratePool(pool, schema, logger);
    const now = Date.now();
    const from = now - spanMs;
    const days: number[] = [];
    for (let day = dayOf(from); day <= dayOf(now); day++) days.push(day);
    const partitions: number[] = [];
    for (let day = dayOf(from) - options.emptyPartitions; day <= dayOf(now) + 1; day++) partitions.push(day);
    await createPartitionManager(pool, quiet).ensure(partitions);

    process.stderr.write(
      `bench: api: loading ${options.events} events over ${days.length} days into ${schema} (${partitions.length} day partitions; untimed), ` +
        `then ${pages.length} pages × (API + PostgreSQL) × ${options.seconds} s\n`,
    );
    const loaded = await loadEvents(pool, options, from, now, active);
    const vacuumStarted = performance.now();
    await pool.query('vacuum (analyze) events');
    const vacuumAnalyzeMs = performance.now() - vacuumStarted;

    const dataset = { ...(await describeDataset(pool, days)), partitions: partitions.length };
    const key = createApiKey();
    await createApiKeyRow(pool, key, benchOrganization, 'bench', ['admin']);

    api = await startBenchApi(options);
    const baseUrl = `http://127.0.0.1:${api.port}`;
    const headers = { authorization: `Bearer ${key.key}` };

    const results: ApiResult[] = [];
    for (const page of pages) {
      if (active.stopping) throw interrupted();
      const params = page.params(dataset.cursor);
      const path = `/api/v1/events?${new URLSearchParams(params).toString()}`;
      let sql: ApiResult['sql'] = [];
      let checked: ApiResult['page'] = null;
      let measuredApi: ApiMeasurement | null = null;
      let measuredPg: PostgresMeasurement | null = null;
      let explained: Explained = { plan: [], planningMs: null, executionMs: null };
      let error: string | null = null;
      try {
        sql = await capturedSql(params, pool);
        checked = await checkPage(baseUrl, path, headers, pool, sql);
        process.stderr.write(`  api: ${page.scenario}: ${path} (${checked.rows} rows, has_more ${checked.hasMore})\n`);
        measuredApi = await measureApi(`${baseUrl}${path}`, headers, options, active);
        if (measuredApi.non2xx > 0 || measuredApi.errors > 0) {
          process.stderr.write(
            `bench: WARNING api ${page.scenario}: ${measuredApi.non2xx} non-2xx responses (${JSON.stringify(measuredApi.statusCodes)}), ` +
              `${measuredApi.errors} errors\n`,
          );
        }
        measuredPg = await measurePostgres(sql, options, active);
        if (measuredPg.errors > 0)
          process.stderr.write(
            `bench: WARNING api ${page.scenario}: ${measuredPg.errors} failed queries: ${measuredPg.firstError ?? ''}\n`,
          );
        explained = await explain(pool, sql);
      } catch (failure) {
        error = (failure as Error).message;
      }
      results.push({
        scenario: page.scenario,
        path,
        sql,
        page: checked,
        plan: explained.plan,
        planPlanningMs: explained.planningMs,
        planExecutionMs: explained.executionMs,
        api: measuredApi,
        postgres: measuredPg,
        error,
      });
    }

    const postgresVersion = (await pool.query<{ server_version: string }>('show server_version')).rows[0]?.server_version ?? '';
    return {
      scenario: 'api',
      events: options.events,
      seconds: options.seconds,
      warmupSeconds,
      connections: options.connections,
      apiPoolSize: apiDefaults.poolSize,
      schema,
      postgresVersion,
      dataset: { ...dataset, avgDataBytes: loaded.avgDataBytes },
      load: { elapsedMs: loaded.elapsedMs, rowsPerSec: (options.events / loaded.elapsedMs) * 1000, vacuumAnalyzeMs },
      results,
    };
  });
}

// ---------------------------------------------------------------------------------------------
// The events

interface TypeMix {
  readonly type: string;
  /** Share of the events, in percent. */
  readonly weight: number;
}

/**
 * Per entity (in the order of their schema ids): the prefix of its ids, how many distinct ids the
 * events spread over, and each of its event types' share of the events, in percent. A realistic
 * mix: business objects, SIM/IoT telemetry and a few alerts.
 */
const entityPools: Readonly<Record<string, { readonly prefix: string; readonly size: number; readonly weights: Record<string, number> }>> =
  {
    invoice: { prefix: 'inv', size: 60_000, weights: { updated: 12, created: 10, paid: 8, sent: 6 } },
    customer: { prefix: 'cus', size: 20_000, weights: { updated: 10, created: 5 } },
    'crm.deal': { prefix: 'deal', size: 15_000, weights: { stage_updated: 10, updated: 8 } },
    sim: { prefix: 'sim', size: 20_000, weights: { location_updated: 19 } },
    endpoint: { prefix: 'ep', size: 20_000, weights: { offline: 6, data_quota_exhausted: 4 } },
    transaction: { prefix: 'txn', size: 40_000, weights: { payment_failed: 2 } },
  };

/** The event types, heaviest first (ties in table order): the seeded draws pick from slots in this order. */
const typeMix: readonly TypeMix[] = Object.entries(entityPools)
  .flatMap(([entity, pool]) => Object.entries(pool.weights).map(([action, weight]) => ({ type: `${entity}.${action}`, weight })))
  .sort((a, b) => b.weight - a.weight);

const customerPool = entityPools.customer?.size ?? 1;

/** A share of `invoice.updated` events: the invoice went overdue, reported as a warning. */
const overdueShare = 0.25;

/** mulberry32: a small seeded generator, so every run loads the same mix. */
function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** The events, oldest first; ids `evt_` + UUIDv7 at evenly spread times between `from` and `to`. */
function* generateEvents(
  n: number,
  from: number,
  to: number,
  topicPrefix: string,
  stats: { dataBytes: number },
): Generator<LoggedEventRow> {
  const catalogue = readCatalogue();
  const slots: TypeMix[] = [];
  for (const mix of typeMix) {
    if (catalogue[mix.type] === undefined) throw new Error(`bench: ${mix.type} is not in schemas/catalogue.json`);
    for (let i = 0; i < mix.weight; i++) slots.push(mix);
  }
  const random = seeded(20261124);
  const offsets = new Map<string, number>();
  const schemaIds = new Map(Object.keys(entityPools).map((entity, index) => [entity, index + 1]));
  const step = (to - from) / n;
  for (let i = 0; i < n; i++) {
    const at = Math.floor(from + i * step);
    const mix = slots[Math.floor(random() * slots.length)] as TypeMix;
    const entry = catalogue[mix.type] as NonNullable<(typeof catalogue)[string]>;
    const entity = entry.entity;
    const pool = entityPools[entity] as { prefix: string; size: number };
    const entityIndex = Math.floor(random() * pool.size);
    const organizationId = random() < otherShare ? otherOrganization : benchOrganization;
    const action = mix.type.slice(entity.length + 1);
    const overdue = mix.type === 'invoice.updated' && random() < overdueShare;
    const { data, previous } = entityData(entity, action, {
      id: `${pool.prefix}_${String(entityIndex).padStart(8, '0')}`,
      index: entityIndex,
      organizationId,
      at,
      overdue,
      random,
    });
    stats.dataBytes += JSON.stringify(data).length;
    const partition = entityIndex % kafkaPartitions;
    const topic = entityTopic(topicPrefix, entity);
    const offsetKey = `${topic}/${partition}`;
    const offset = offsets.get(offsetKey) ?? 0;
    offsets.set(offsetKey, offset + 1);
    const fromApi = entry.source === 'api';
    yield {
      id: createEventId(at),
      type: mix.type,
      entity_type: entity,
      entity_id: data.id as string,
      action,
      organization_id: organizationId,
      occurred_at: new Date(at - Math.floor(random() * 1_500)).toISOString(),
      source: entry.source,
      severity: overdue ? 'warn' : entry.severity,
      request_id: fromApi ? `req_${Math.floor(random() * 36 ** 10).toString(36)}` : null,
      actor: fromApi ? `usr_${String(Math.floor(random() * 50)).padStart(4, '0')}` : null,
      data,
      previous_attributes: previous,
      schema_id: schemaIds.get(entity) ?? 0,
      topic,
      kafka_partition: partition,
      kafka_offset: String(offset),
    };
  }
}

interface EntityInput {
  readonly id: string;
  readonly index: number;
  readonly organizationId: string;
  readonly at: number;
  readonly overdue: boolean;
  readonly random: () => number;
}

const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const iso = (ms: number) => new Date(ms).toISOString();

/** The entity after the event (about 300 bytes of JSON) and, for changes, what it was before. */
function entityData(
  entity: string,
  action: string,
  input: EntityInput,
): { data: Record<string, unknown>; previous: Record<string, unknown> | null } {
  const { data, previous } = entityFields(entity, action, input);
  return { data: { id: input.id, object: entity, organization_id: input.organizationId, ...data }, previous };
}

/** What each entity holds besides its id, object and organization, and what a change replaced. */
function entityFields(
  entity: string,
  action: string,
  input: EntityInput,
): { data: Record<string, unknown>; previous: Record<string, unknown> | null } {
  const { index, at, random } = input;
  const created = iso(at - 86_400_000 * (1 + (index % 20)));
  const updated = iso(at);
  const before = iso(at - 3_600_000 * (1 + (index % 12)));
  const amount = 1_000 + ((index * 7_919) % 500_000);
  switch (entity) {
    case 'invoice': {
      const status = { created: 'draft', sent: 'sent', paid: 'paid', updated: input.overdue ? 'overdue' : 'approved' }[action] ?? 'draft';
      return {
        data: {
          customer_id: `cus_${String(index % customerPool).padStart(8, '0')}`,
          number: `INV-2026-${String(index).padStart(6, '0')}`,
          status,
          currency: 'EUR',
          subtotal_amount: amount,
          tax_amount: Math.round(amount * 0.19),
          total_amount: amount + Math.round(amount * 0.19),
          due_date: day(at + 14 * 86_400_000),
          paid_at: action === 'paid' ? updated : null,
          created_at: created,
          updated_at: updated,
        },
        previous: action === 'updated' ? { status: input.overdue ? 'sent' : 'draft', updated_at: before } : null,
      };
    }
    case 'customer':
      return {
        data: {
          name: `Customer ${String(index).padStart(6, '0')} GmbH`,
          email: `billing+${index}@customer-${index % 997}.example.com`,
          status: 'active',
          locale: 'de-DE',
          marketing_consent: action === 'updated',
          created_at: created,
          updated_at: updated,
          metadata: { segment: index % 3 === 0 ? 'enterprise' : 'smb' },
        },
        previous: action === 'updated' ? { email: `billing@customer-${index % 997}.example.com`, updated_at: before } : null,
      };
    case 'crm.deal': {
      const stages = ['lead', 'qualified', 'proposal', 'negotiation', 'won'];
      const stage = Math.floor(random() * (stages.length - 1)) + 1;
      return {
        data: {
          name: `Renewal ${String(index).padStart(6, '0')}`,
          company_id: `com_${String(index % 5_000).padStart(8, '0')}`,
          owner_id: `usr_${String(index % 50).padStart(4, '0')}`,
          pipeline: 'sales',
          stage: stages[stage],
          amount,
          currency: 'EUR',
          expected_close_date: day(at + 30 * 86_400_000),
          created_at: created,
          updated_at: updated,
        },
        previous:
          action === 'stage_updated'
            ? { stage: stages[stage - 1], updated_at: before }
            : action === 'updated'
              ? { amount: amount - 500, updated_at: before }
              : null,
      };
    }
    case 'sim': {
      const cell = Math.floor(random() * 65_536);
      return {
        data: {
          iccid: `8949${String(index).padStart(15, '0')}`,
          imsi: `26201${String(index).padStart(10, '0')}`,
          status: 'active',
          endpoint_id: `ep_${String(index).padStart(8, '0')}`,
          location: { country: 'DEU', operator: 'Telekom.de', mcc: '262', mnc: '01', lac: 4_000 + (index % 300), cell_id: cell },
          updated_at: updated,
        },
        previous: { location: { lac: 4_000 + ((index + 1) % 300), cell_id: (cell + 17) % 65_536 } },
      };
    }
    case 'endpoint':
      return {
        data: {
          name: `Sensor ${String(index).padStart(6, '0')}`,
          sim_id: `sim_${String(index).padStart(8, '0')}`,
          status: action === 'offline' ? 'offline' : 'active',
          ip_address: `10.${(index >> 16) & 255}.${(index >> 8) & 255}.${index & 255}`,
          data_quota_mb: 500,
          data_used_mb: action === 'data_quota_exhausted' ? 500 : Math.floor(random() * 500),
          updated_at: updated,
        },
        previous: null,
      };
    default:
      return {
        data: {
          customer_id: `cus_${String(index % customerPool).padStart(8, '0')}`,
          status: action,
          amount,
          currency: 'EUR',
          payment_method: 'card',
          failure_code: 'card_declined',
          failure_message: 'The card was declined by the issuer.',
          created_at: created,
          updated_at: updated,
        },
        previous: null,
      };
  }
}

/** COPYs the N events into `events` in chunks of `chunkRows` rows (one transaction each). */
async function loadEvents(
  pool: pg.Pool,
  options: ApiBenchOptions,
  from: number,
  to: number,
  active: Active,
): Promise<{ elapsedMs: number; avgDataBytes: number }> {
  const stats = { dataBytes: 0 };
  const events = generateEvents(options.events, from, to, options.topicPrefix, stats);
  let loaded = 0;
  const started = performance.now();
  const client = await pool.connect();
  try {
    while (loaded < options.events) {
      if (active.stopping) throw interrupted();
      const size = Math.min(chunkRows, options.events - loaded);
      function* chunk(): Generator<CopyValue[]> {
        for (let i = 0; i < size; i++) {
          const next = events.next();
          if (next.done) return;
          yield eventRowValues(next.value);
        }
      }
      await copyRows(client, 'events', eventLogColumns, chunk());
      loaded += size;
      const seconds = (performance.now() - started) / 1000;
      process.stderr.write(`  api: loaded ${loaded}/${options.events} events, ${Math.round(loaded / seconds)} events/s\n`);
    }
  } finally {
    client.release();
  }
  return { elapsedMs: performance.now() - started, avgDataBytes: Math.round(stats.dataBytes / options.events) };
}

/** What was loaded, and the deep cursor: the org_bench event with `cursorShare` of its events newer. */
async function describeDataset(pool: pg.Pool, days: readonly number[]): Promise<Omit<ApiReport['dataset'], 'avgDataBytes' | 'partitions'>> {
  const group = async (column: string) => {
    const { rows } = await pool.query<{ key: string; n: number }>(
      `select ${column} as key, count(*)::int as n from events group by 1 order by 2 desc, 1`,
    );
    return Object.fromEntries(rows.map((row) => [row.key, row.n]));
  };
  const organizations = await group('organization_id');
  const types = await group('type');
  const severities = await group('severity');
  const { rows: sizes } = await pool.query<{ bytes: string; first: string; last: string; filtered: number }>(
    `select (select sum(pg_total_relation_size(inhrelid))::text from pg_inherits where inhparent = 'events'::regclass) as bytes,
            (select min(id) from events) as first, (select max(id) from events) as last,
            (select count(*)::int from events where organization_id = $1 and type like 'invoice.%' and severity = 'warn') as filtered`,
    [benchOrganization],
  );
  const benchRows = organizations[benchOrganization] ?? 0;
  const cursorDepth = Math.max(0, Math.min(Math.round(benchRows * cursorShare), benchRows - limit - 1));
  const { rows: cursors } = await pool.query<{ id: string }>(
    'select id from events where organization_id = $1 order by id desc offset $2 limit 1',
    [benchOrganization, cursorDepth],
  );
  const cursor = cursors[0]?.id;
  if (cursor === undefined) throw new Error(`${benchOrganization} has no events to put a cursor on`);
  const size = sizes[0];
  return {
    organizations,
    types,
    severities,
    days: days.map((value) => day(value * 86_400_000)),
    from: size?.first ?? '',
    to: size?.last ?? '',
    tableBytes: Number(size?.bytes ?? 0),
    filteredRows: size?.filtered ?? 0,
    cursorDepth,
    cursor,
  };
}

// ---------------------------------------------------------------------------------------------
// The statements

/**
 * The statements the API runs for these query parameters: the route's own parsing
 * (parseEventFilter, parseCreatedRange) and `listEvents` over the pool, recording each statement
 * it runs (a page is read through day windows until full, so there may be several).
 */
async function capturedSql(params: Record<string, string>, pool: pg.Pool): Promise<ApiResult['sql']> {
  const query: ListEventsQuery = {
    limit: Number(params.limit ?? limit),
    ...(params.type === undefined ? {} : { type: [params.type] }),
    ...(params.severity === undefined ? {} : { severity: [params.severity] }),
    ...(params.starting_after === undefined ? {} : { starting_after: params.starting_after }),
  };
  const entries = readCatalogue();
  const catalogue = { types: Object.keys(entries), entities: new Set(Object.values(entries).map((entry) => entry.entity)) };
  const captured: { text: string; values: unknown[] }[] = [];
  const recorder: Database = {
    query: <R extends pg.QueryResultRow>(text: string, values: readonly unknown[] = []) => {
      captured.push({ text, values: [...values] });
      return pool.query<R>(text, [...values]);
    },
  };
  await listEvents(recorder, {
    organizationId: benchOrganization,
    filter: parseEventFilter(query, catalogue),
    range: parseCreatedRange(query),
    limit: query.limit ?? limit,
    startingAfter: query.starting_after,
    endingBefore: query.ending_before,
  });
  if (captured.length === 0) throw new Error('listEvents ran no statement');
  return captured;
}

/** One request before measuring: it must answer 200 with the same event ids the captured statement returns. */
async function checkPage(
  baseUrl: string,
  path: string,
  headers: Record<string, string>,
  pool: pg.Pool,
  sql: ApiResult['sql'],
): Promise<NonNullable<ApiResult['page']>> {
  const response = await fetch(`${baseUrl}${path}`, { headers });
  const body = await response.text();
  if (response.status !== 200) throw new Error(`GET ${path} answered ${response.status}: ${body.slice(0, 500)}`);
  const page = JSON.parse(body) as { data: { id: string }[]; has_more: boolean };
  const rows: { id: string }[] = [];
  for (const statement of sql) rows.push(...(await pool.query<{ id: string }>(statement.text, statement.values as unknown[])).rows);
  const sqlIds = rows.slice(0, limit).map((row) => row.id);
  const apiIds = page.data.map((event) => event.id);
  return { rows: apiIds.length, hasMore: page.has_more, sameAsSql: JSON.stringify(sqlIds) === JSON.stringify(apiIds) };
}

interface Explained {
  readonly plan: string[];
  readonly planningMs: number | null;
  readonly executionMs: number | null;
}

/** EXPLAIN ANALYZE of each statement; the times are their sums. */
async function explain(pool: pg.Pool, sql: ApiResult['sql']): Promise<Explained> {
  const plan: string[] = [];
  let planningMs: number | null = null;
  let executionMs: number | null = null;
  for (const statement of sql) {
    const { rows } = await pool.query<{ 'QUERY PLAN': string }>(
      `explain (analyze, buffers) ${statement.text}`,
      statement.values as unknown[],
    );
    const lines = rows.map((row) => row['QUERY PLAN']);
    plan.push(...lines);
    const time = (what: string) => {
      const match = lines.map((line) => new RegExp(`^${what} Time: ([\\d.]+) ms`).exec(line.trim())).find((found) => found !== null);
      return match ? Number(match[1]) : null;
    };
    planningMs = (planningMs ?? 0) + (time('Planning') ?? 0);
    executionMs = (executionMs ?? 0) + (time('Execution') ?? 0);
  }
  return { plan, planningMs, executionMs };
}

// ---------------------------------------------------------------------------------------------
// The measurements

/** autocannon against the API: an untimed warm-up, then `seconds` with every response's time recorded. */
async function measureApi(url: string, headers: Record<string, string>, options: ApiBenchOptions, active: Active): Promise<ApiMeasurement> {
  const cannon = (seconds: number, onResponse?: (statusCode: number, responseTime: number) => void) =>
    new Promise<autocannon.Result>((resolve, reject) => {
      const instance = autocannon({ url, headers, connections: options.connections, duration: seconds }, (error, result) =>
        error ? reject(error instanceof Error ? error : new Error(String(error))) : resolve(result),
      );
      active.instance = instance;
      if (onResponse) instance.on('response', (_client, statusCode, _bytes, responseTime) => onResponse(statusCode, responseTime));
    }).finally(() => delete active.instance);

  await cannon(warmupSeconds);
  if (active.stopping) throw interrupted();
  const latencies: number[] = [];
  const statusCodes: Record<string, number> = {};
  const started = performance.now();
  const result = await cannon(options.seconds, (statusCode, responseTime) => {
    latencies.push(responseTime);
    statusCodes[statusCode] = (statusCodes[statusCode] ?? 0) + 1;
  });
  const elapsedMs = performance.now() - started;
  return {
    requests: latencies.length,
    requestsPerSec: (latencies.length / elapsedMs) * 1000,
    latencyMs: summarize(latencies),
    non2xx: result.non2xx,
    statusCodes,
    errors: result.errors,
    timeouts: result.timeouts,
    elapsedMs,
    autocannon: { requestsPerSecAvg: result.requests.average, latencyMsP50: result.latency.p50, latencyMsP99: result.latency.p99 },
  };
}

/** The captured statement in a loop on `connections` pg connections: an untimed warm-up, then `seconds`. */
async function measurePostgres(sql: ApiResult['sql'], options: ApiBenchOptions, active: Active): Promise<PostgresMeasurement> {
  const clients = await Promise.all(
    Array.from({ length: options.connections }, async () => {
      const client = new pg.Client({
        connectionString: options.databaseUrl,
        application_name: 'evp-bench-api-floor',
        options: `-c search_path=${options.schema}`,
      });
      active.clients.push(client);
      await client.connect();
      return client;
    }),
  );
  const loop = async (seconds: number, record: boolean) => {
    const latencies: number[] = [];
    let errors = 0;
    let firstError: string | null = null;
    const until = performance.now() + seconds * 1000;
    const started = performance.now();
    await Promise.all(
      clients.map(async (client) => {
        while (!active.stopping && performance.now() < until) {
          const asked = performance.now();
          try {
            for (const statement of sql) await client.query(statement.text, statement.values as unknown[]);
            if (record) latencies.push(performance.now() - asked);
          } catch (error) {
            errors++;
            firstError ??= (error as Error).message;
            if (!record) throw error;
          }
        }
      }),
    );
    return { latencies, errors, firstError, elapsedMs: performance.now() - started };
  };
  try {
    await loop(warmupSeconds, false);
    if (active.stopping) throw interrupted();
    const { latencies, errors, firstError, elapsedMs } = await loop(options.seconds, true);
    return {
      queries: latencies.length,
      queriesPerSec: (latencies.length / elapsedMs) * 1000,
      latencyMs: summarize(latencies),
      errors,
      firstError,
      elapsedMs,
    };
  } finally {
    await Promise.all(clients.map((client) => client.end().catch(() => undefined)));
    active.clients = active.clients.filter((client) => !clients.includes(client));
  }
}
