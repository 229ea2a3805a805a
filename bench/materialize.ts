import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Consumer } from 'kafkajs';
import type pg from 'pg';
import { loadConfig } from '../adapters/config.js';
import { copyRows, type CopyValue } from '../adapters/copy.js';
import { createPool } from '../adapters/database.js';
import { createKafka } from '../adapters/kafka/index.js';
import { migratePool } from '../adapters/migrate.js';
import type { RegistryClient } from '../adapters/registry.js';
import { createEventDecoder } from '../consumers/event-decoder.js';
import type { Materializer } from '../consumers/materializer/index.js';
import { toEventRow } from '../consumers/materializer/records.js';
import { entityTopic } from '../core/topics.js';
import { createPublisher } from '../producers/publisher.js';
import type { BatchEvent } from '../producers/types.js';
import type { CrmDeal, Customer, Invoice } from '../schemas/generated/types.js';
import { createPartitionManager, dayOf } from '../store/event-partitions.js';
import { eventLogColumns, eventRowValues } from '../store/insert-events.js';
import {
  connect,
  createBenchTopics,
  readMetrics,
  registerBenchSchemas,
  removeScenarioState,
  startBenchMaterializer,
  startCountProgress,
  withCleanup,
  type Cleanable,
  type MaterializerSettings,
  type ScenarioStack,
} from './lib/stack.js';
import { benchService, encodeForSizing, paddingLength, randomLetters } from './payload.js';

/**
 * The materialize scenario: N events pre-filled into the entity topics of a few entities, then
 * written into PostgreSQL three ways, one after another, each into tables of its own:
 *
 * - `materializer`: the real one (`startMaterializer`), in-process, timed from its start until
 *   `select count(*) from events` reaches N;
 * - `ceiling (raw COPY)`: the same rows, read back out of the materialised `events`, copied with
 *   `copyRows` in one COPY into an ordinary (logged) table made `like events` (no indexes, no
 *   partitions, no primary key): what a write path could reach at best;
 * - `floor (naive INSERT)`: a kafkajs `eachMessage` consumer decoding each record and running one
 *   autocommitted `INSERT … ON CONFLICT DO NOTHING` per event into a migrated schema of its own,
 *   over the first `naiveEvents` events.
 *
 * Publishing the events is not part of any figure. Only measures; nothing here asserts on time.
 */
export interface MaterializeOptions extends ScenarioStack, Cleanable {
  /** Events pre-filled and materialised (N). */
  readonly events: number;
  /** Events the naive consumer writes (the first ones it is given), at most N. */
  readonly naiveEvents: number;
  /** `bench_<random>`: the materializer's schema; the naive consumer's is `<schema>_naive`. */
  readonly schema: string;
  readonly materializer: MaterializerSettings;
}

export type MaterializeScenario = 'materializer' | 'ceiling (raw COPY)' | 'floor (naive INSERT)';

export interface MaterializeResult {
  readonly scenario: MaterializeScenario;
  /** Events the figure covers. */
  readonly events: number;
  /** From the start (start-up included) until the last of `events` was written. */
  readonly elapsedMs: number | null;
  readonly eventsPerSec: number | null;
  /** Until the writer could take records: the materializer's `startMaterializer()`, the naive consumer's connect + join. */
  readonly startupMs: number | null;
  /** `events` / (elapsed − start-up). */
  readonly eventsPerSecAfterStartup: number | null;
  readonly error: string | null;
  readonly details: Readonly<Record<string, unknown>>;
}

export interface MaterializeReport {
  readonly scenario: 'materialize';
  readonly events: number;
  readonly naiveEvents: number;
  readonly partitions: number;
  readonly keys: number;
  readonly topics: readonly string[];
  readonly schemas: readonly string[];
  /** Bytes of each event type's Kafka value (wire header + Avro body). */
  readonly valueBytes: Readonly<Record<string, number>>;
  readonly materializer: MaterializeOptions['materializer'];
  /** Untimed pre-fill, for reference. */
  readonly publish: { readonly elapsedMs: number; readonly eventsPerSec: number };
  readonly results: readonly MaterializeResult[];
}

/** Entities the events cycle through, in this order. */
export const materializeEntities = ['invoice', 'customer', 'crm.deal'] as const;
type BenchEntity = (typeof materializeEntities)[number];

const organizations = 10;
const stallMs = 120_000;

export async function runMaterialize(options: MaterializeOptions): Promise<MaterializeReport> {
  const { logger } = options;
  const n = options.events;
  const naiveN = Math.min(options.naiveEvents, n);
  const topics = materializeEntities.map((entity) => entityTopic(options.topicPrefix, entity));
  const naiveSchema = `${options.schema}_naive`;
  const materializerGroup = `${options.topicPrefix}.materializer`;
  const naiveGroup = `${options.topicPrefix}.naive`;

  let materializer: Materializer | undefined;
  let naiveConsumer: Consumer | undefined;
  const cleanup = async (): Promise<void> => {
    await naiveConsumer?.disconnect().catch(() => undefined);
    await materializer?.stop().catch((error: unknown) => logger.warn({ err: error }, 'stopping the materializer failed'));
    await removeScenarioState(options, [materializerGroup, naiveGroup], [options.schema, naiveSchema]);
  };

  return withCleanup(options, cleanup, async () => {
    // Pre-fill (untimed): topics and schemas as `evp topics ensure` and `evp schemas register` make them.
    await createBenchTopics(options.admin, options.topicPrefix, materializeEntities, options.partitions, 86_400_000);
    const registry = await registerBenchSchemas(options, materializeEntities);
    const workload = await buildWorkload(options.targetValueBytes, options.keys);
    process.stderr.write(
      `bench: materialize ${n} events over ${materializeEntities.join(', ')} (values ${Object.entries(workload.valueBytes)
        .map(([type, bytes]) => `${type} ${bytes} B`)
        .join(', ')}), ${options.keys} keys per entity, ${options.partitions} partitions each\n`,
    );
    const publish = await prefill(options, workload, n);

    const results: MaterializeResult[] = [];
    results.push(await runMaterializer(options, n, materializerGroup, (started) => (materializer = started)));
    materializer = undefined;
    results.push(await runCeiling(options, n));
    results.push(
      await runNaive(
        options,
        { sample: naiveN, schema: naiveSchema, groupId: naiveGroup, registry },
        (consumer) => (naiveConsumer = consumer),
      ).finally(() => (naiveConsumer = undefined)),
    );
    return {
      scenario: 'materialize',
      events: n,
      naiveEvents: naiveN,
      partitions: options.partitions,
      keys: options.keys,
      topics,
      schemas: [options.schema, naiveSchema],
      valueBytes: workload.valueBytes,
      materializer: options.materializer,
      publish,
      results,
    };
  });
}

// ---------------------------------------------------------------------------------------------
// The events

interface Workload {
  readonly valueBytes: Readonly<Record<string, number>>;
  /** The i-th event: entities in turn, each entity id's first event `created`, later ones `updated`. */
  event(index: number): BatchEvent;
}

/** A pool of distinct paddings per entity, cycled through. */
const notesPool = 256;

/**
 * Realistic invoices, customers and CRM deals with `metadata.notes` padded so an `updated` event's
 * value is about `targetValueBytes`. Fixed-width ids keep every event of a type the same size.
 */
async function buildWorkload(targetValueBytes: number, keys: number): Promise<Workload> {
  const idWidth = String(Math.max(0, keys - 1)).length;
  const entityId = (prefix: string, index: number) => `${prefix}_${String(index).padStart(idWidth, '0')}`;
  const organization = (index: number) => `org_bench_${index % organizations}`;

  const makers: Record<BenchEntity, (index: number, created: boolean, notes: string) => BatchEvent> = {
    invoice: (index, created, notes) => {
      const data: Invoice = {
        id: entityId('inv', index),
        object: 'invoice',
        organization_id: organization(index),
        customer_id: entityId('cus', index),
        number: `INV-2026-${String(index).padStart(6, '0')}`,
        status: created ? 'draft' : 'sent',
        currency: 'EUR',
        subtotal_amount: 100_000,
        tax_amount: 21_000,
        total_amount: 121_000,
        due_date: '2026-12-31',
        sent_at: created ? null : '2026-11-01T09:00:00.000Z',
        paid_at: null,
        created_at: '2026-10-30T09:00:00.000Z',
        updated_at: '2026-11-01T09:00:00.000Z',
        metadata: { notes, channel: 'email' },
      };
      return change('invoice', index, created, data, { status: 'approved', sent_at: null, updated_at: '2026-10-31T09:00:00.000Z' });
    },
    customer: (index, created, notes) => {
      const data: Customer = {
        id: entityId('cus', index),
        object: 'customer',
        organization_id: organization(index),
        name: `Customer ${String(index).padStart(idWidth, '0')} GmbH`,
        email: `billing+${String(index).padStart(idWidth, '0')}@example.com`,
        status: 'active',
        locale: 'de-DE',
        marketing_consent: !created,
        created_at: '2026-10-30T09:00:00.000Z',
        updated_at: '2026-11-01T09:00:00.000Z',
        metadata: { notes, segment: 'smb' },
      };
      return change('customer', index, created, data, { marketing_consent: false, updated_at: '2026-10-31T09:00:00.000Z' });
    },
    'crm.deal': (index, created, notes) => {
      const data: CrmDeal = {
        id: entityId('deal', index),
        object: 'crm.deal',
        organization_id: organization(index),
        name: `Renewal ${String(index).padStart(idWidth, '0')}`,
        company_id: entityId('com', index),
        contact_id: entityId('con', index),
        owner_id: 'usr_bench',
        pipeline: 'sales',
        stage: created ? 'lead' : 'proposal',
        amount: 2_500_000,
        currency: 'EUR',
        expected_close_date: '2026-12-15',
        closed_at: null,
        created_at: '2026-10-30T09:00:00.000Z',
        updated_at: '2026-11-01T09:00:00.000Z',
        metadata: { notes, source: 'inbound' },
      };
      return change('crm.deal', index, created, data, { stage: 'qualified', updated_at: '2026-10-31T09:00:00.000Z' });
    },
  };

  const size = async (event: BatchEvent) => {
    const { type, ...input } = event;
    return (await encodeForSizing(type, input)).value.length;
  };

  const pools = new Map<BenchEntity, string[]>();
  const valueBytes: Record<string, number> = {};
  for (const entity of materializeEntities) {
    const make = makers[entity];
    const length = await paddingLength(targetValueBytes, (padding) => size(make(0, false, 'A'.repeat(padding))));
    const pool = Array.from({ length: notesPool }, () => randomLetters(length));
    pools.set(entity, pool);
    for (const created of [true, false]) {
      const sample = make(0, created, pool[0] ?? '');
      valueBytes[sample.type] = await size(sample);
    }
  }

  return {
    valueBytes,
    event(index) {
      const entity = materializeEntities[index % materializeEntities.length] as BenchEntity;
      const round = Math.floor(index / materializeEntities.length);
      const key = round % keys;
      const notes = (pools.get(entity) as string[])[round % notesPool] as string;
      return makers[entity](key, round < keys, notes);
    },
  };
}

/** An entity's first event (`<entity>.created`) or a later one (`<entity>.updated`, with what changed). */
function change(entity: BenchEntity, index: number, created: boolean, data: Invoice | Customer | CrmDeal, previous: object): BatchEvent {
  const common = {
    organization_id: data.organization_id,
    actor: 'usr_bench',
    request_id: `req_${index.toString(36).padStart(8, '0')}`,
    data,
  };
  // The entity and its data go together (makers below); the union cannot tell.
  return (
    created ? { type: `${entity}.created`, ...common } : { type: `${entity}.updated`, ...common, previous_attributes: previous }
  ) as BatchEvent;
}

/** Publishes the N events through the SDK (its defaults: gzip, acks=all), chunks of 1,000 with a few in flight. */
async function prefill(options: MaterializeOptions, workload: Workload, n: number): Promise<MaterializeReport['publish']> {
  const config = loadConfig({ ...options.env, TOPIC_PREFIX: options.topicPrefix });
  const publisher = createPublisher(config, { service: benchService, logger: options.logger });
  const chunk = 1_000;
  const inFlight = new Set<Promise<unknown>>();
  let acked = 0;
  let failure: unknown;
  const progress = startCountProgress('materialize: publishing', n, () => acked, 'acknowledged');
  const started = performance.now();
  try {
    for (let from = 0; from < n && failure === undefined; from += chunk) {
      const events = Array.from({ length: Math.min(chunk, n - from) }, (_, i) => workload.event(from + i));
      const sent = publisher.publishBatch(events).then(
        () => {
          acked += events.length;
        },
        (error: unknown) => {
          failure ??= error;
        },
      );
      inFlight.add(sent);
      void sent.finally(() => inFlight.delete(sent));
      while (inFlight.size >= 8) await Promise.race(inFlight);
    }
    await Promise.all(inFlight);
    if (failure !== undefined) throw new Error(`publishing the events failed: ${(failure as Error).message}`);
    const elapsedMs = performance.now() - started;
    return { elapsedMs, eventsPerSec: (n / elapsedMs) * 1000 };
  } finally {
    progress.stop();
    await publisher.close().catch(() => undefined);
  }
}

// ---------------------------------------------------------------------------------------------
// 1. The materializer

async function runMaterializer(
  options: MaterializeOptions,
  n: number,
  groupId: string,
  onStarted: (materializer: Materializer) => void,
): Promise<MaterializeResult> {
  const scenario = 'materializer';
  const probe = await connect(options.databaseUrl, options.schema);
  let materializer: Materializer | undefined;
  const polls: number[] = [];
  let count = 0;
  const progress = startCountProgress(`materialize: ${scenario}`, n, () => count, 'in events');
  try {
    const started = performance.now();
    materializer = await startBenchMaterializer(options, groupId, options.materializer);
    onStarted(materializer);
    const startupMs = performance.now() - started;

    // Polls until the count reaches N; a count not moving for `stallMs` ends the run.
    let reachedAt: number | undefined;
    let lastChange = performance.now();
    for (;;) {
      const asked = performance.now();
      const { rows } = await probe.query<{ n: number }>('select count(*)::int as n from events');
      polls.push(performance.now() - asked);
      const now = rows[0]?.n ?? 0;
      if (now !== count) lastChange = asked;
      count = now;
      // The count's snapshot is taken when the query starts: the N rows were committed by then.
      if (count >= n) {
        reachedAt = asked;
        break;
      }
      if (asked - lastChange > stallMs) break;
      await sleep(100);
    }
    progress.stop();
    const details: Record<string, unknown> = {
      startupMs,
      countPolls: polls.length,
      countQueryMs: stats(polls),
      ...(await materializerMetrics(materializer.port).catch((error: unknown) => ({ metricsError: (error as Error).message }))),
      ...(await storeChecks(probe)),
    };
    // Untimed: finishes the batches in flight, leaves the group, closes its connections.
    const stopping = performance.now();
    await materializer.stop();
    materializer = undefined;
    details.stopMs = performance.now() - stopping;
    if (reachedAt === undefined) {
      return {
        ...emptyResult(scenario, n),
        startupMs,
        error: `events stopped growing at ${count} of ${n} for ${stallMs / 1000} s`,
        details,
      };
    }
    const elapsedMs = reachedAt - started;
    const error = count > n ? `events holds ${count} rows, more than the ${n} published` : null;
    return timedResult(scenario, n, elapsedMs, startupMs, error, details);
  } catch (error) {
    return { ...emptyResult(scenario, n), error: (error as Error).message, details: { count } };
  } finally {
    progress.stop();
    await materializer?.stop().catch((error: unknown) => options.logger.warn({ err: error }, 'stopping the materializer failed'));
    await probe.end().catch(() => undefined);
  }
}

/** Transactions and outcomes from the materializer's own /metrics. */
async function materializerMetrics(port: number): Promise<Record<string, unknown>> {
  const sum = await readMetrics(port);
  const batches = sum('evp_materializer_batch_duration_seconds_count');
  const events = sum('evp_materializer_events_total');
  return {
    batches,
    eventsPerBatch: batches > 0 ? events / batches : null,
    batchMsAvg: batches > 0 ? (sum('evp_materializer_batch_duration_seconds_sum') / batches) * 1000 : null,
    metricEvents: events,
    skipped: sum('evp_materializer_records_skipped_total'),
    duplicates: sum('evp_materializer_events_duplicate_total'),
    expired: sum('evp_materializer_events_expired_total'),
    deadLetters: sum('evp_materializer_dead_letters_total'),
  };
}

/** What the store holds afterwards: rows, distinct ids, entities, dead letters. */
async function storeChecks(client: pg.Client): Promise<Record<string, number>> {
  const { rows } = await client.query<{ events: number; ids: number; entities: number; versions: number; dead: number }>(
    `select (select count(*)::int from events) as events,
            (select count(distinct id)::int from events) as ids,
            (select count(*)::int from entities) as entities,
            (select coalesce(sum(version), 0)::int from entities) as versions,
            (select count(*)::int from dead_letters) as dead`,
  );
  const row = rows[0];
  return row
    ? { storedEvents: row.events, distinctIds: row.ids, entities: row.entities, entityVersions: row.versions, deadLetterRows: row.dead }
    : {};
}

// ---------------------------------------------------------------------------------------------
// 2. The ceiling: one COPY of the same rows into a bare table

async function runCeiling(options: MaterializeOptions, n: number): Promise<MaterializeResult> {
  const scenario = 'ceiling (raw COPY)';
  const client = await connect(options.databaseUrl, options.schema);
  try {
    // An ordinary (logged) table: LIKE copies columns, types, collations, NOT NULL and (asked) the
    // ingested_at default; no primary key, indexes or partitions. Committed before the COPY.
    await client.query('create table events_ceiling (like events including defaults)');
    const { rows } = await client.query<CopyValue[]>({
      text: `select ${eventLogColumns.map((column) => `${column}::text`).join(', ')} from events`,
      rowMode: 'array',
    });
    if (rows.length !== n) throw new Error(`events holds ${rows.length} rows, ${n} expected`);
    const started = performance.now();
    await copyRows(client, 'events_ceiling', eventLogColumns, rows);
    const elapsedMs = performance.now() - started;
    const { rows: copied } = await client.query<{ n: number; bytes: string }>(
      `select count(*)::int as n, pg_total_relation_size('events_ceiling')::text as bytes from events_ceiling`,
    );
    const error = copied[0]?.n === n ? null : `events_ceiling holds ${copied[0]?.n} rows, ${n} expected`;
    return timedResult(scenario, n, elapsedMs, null, error, { table: 'logged', statements: 1, tableBytes: Number(copied[0]?.bytes ?? 0) });
  } catch (error) {
    return { ...emptyResult(scenario, n), error: (error as Error).message, details: {} };
  } finally {
    await client.end().catch(() => undefined);
  }
}

// ---------------------------------------------------------------------------------------------
// 3. The floor: one autocommitted INSERT per event

/** What the naive consumer is given: how many events it writes, its schema and group, the registry to decode with. */
interface NaiveRun {
  readonly sample: number;
  readonly schema: string;
  readonly groupId: string;
  readonly registry: RegistryClient;
}

async function runNaive(
  options: MaterializeOptions,
  naive: NaiveRun,
  onConsumer: (consumer: Consumer) => void,
): Promise<MaterializeResult> {
  const scenario = 'floor (naive INSERT)';
  const { logger } = options;
  const { sample, schema, groupId, registry } = naive;
  const pool = createPool({ url: options.databaseUrl, schema, max: 2, applicationName: 'evp-bench-naive', logger });
  let writer: pg.PoolClient | undefined;
  let consumer: Consumer | undefined;
  let done = 0;
  const progress = startCountProgress(`materialize: ${scenario}`, sample, () => done, 'inserted');
  try {
    // Untimed: the store's tables and the partitions of yesterday, today and tomorrow (as the materializer makes them).
    await migratePool(pool, schema, logger);
    const today = dayOf(Date.now());
    await createPartitionManager(pool, logger).ensure([today - 1, today, today + 1]);
    writer = await pool.connect();
    const insert = `insert into events (${eventLogColumns.join(', ')}) values (${eventLogColumns.map((_, i) => `$${i + 1}`).join(', ')}) on conflict do nothing`;
    const decoder = createEventDecoder(registry);
    const kafka = createKafka({ brokers: options.brokers, clientId: 'evp-bench-naive', logger });
    consumer = kafka.consumer({ groupId, sessionTimeout: 10_000, heartbeatInterval: 1_000 });
    onConsumer(consumer);

    let finished: (() => void) | undefined;
    const complete = new Promise<void>((resolve) => (finished = resolve));
    let failure: unknown;
    let lastAt = 0;
    const client = writer;
    const started = performance.now();
    await consumer.connect();
    await consumer.subscribe({
      topics: materializeEntities.map((entity) => entityTopic(options.topicPrefix, entity)),
      fromBeginning: true,
    });
    await consumer.run({
      eachMessage: async ({ topic, partition, message }) => {
        if (done >= sample || failure !== undefined) return;
        try {
          const decoded = await decoder.decode(message.value);
          if (!decoded.ok) throw new Error(`${topic}/${partition}@${message.offset} does not decode: ${decoded.reason}`);
          const row = toEventRow(decoded.event, decoded.schemaId, {
            topic,
            entityType: topic.slice(options.topicPrefix.length + 1),
            partition,
            offset: message.offset,
          });
          await client.query(insert, eventRowValues(row));
          if (++done === sample) {
            lastAt = performance.now();
            finished?.();
          }
        } catch (error) {
          failure ??= error;
          finished?.();
        }
      },
    });
    const startupMs = performance.now() - started;

    // Waits for the sample; a count not moving for `stallMs` ends the run.
    let seen = 0;
    let lastChange = performance.now();
    while (done < sample && failure === undefined) {
      await Promise.race([complete, sleep(1_000)]);
      if (done !== seen) {
        seen = done;
        lastChange = performance.now();
      } else if (performance.now() - lastChange > stallMs) break;
    }
    progress.stop();
    await consumer.disconnect();
    if (failure !== undefined) return { ...emptyResult(scenario, sample), startupMs, error: (failure as Error).message, details: { done } };
    if (done < sample)
      return { ...emptyResult(scenario, sample), startupMs, error: `stopped at ${done} of ${sample} for ${stallMs / 1000} s`, details: {} };
    const elapsedMs = lastAt - started;
    const { rows } = await client.query<{ n: number }>('select count(*)::int as n from events');
    const error = (rows[0]?.n ?? 0) >= sample ? null : `events holds ${rows[0]?.n} rows, ${sample} expected`;
    return timedResult(scenario, sample, elapsedMs, startupMs, error, {
      storedEvents: rows[0]?.n ?? 0,
      connections: 1,
      partitionsConsumedConcurrently: 1,
    });
  } catch (error) {
    return { ...emptyResult(scenario, sample), error: (error as Error).message, details: { done } };
  } finally {
    progress.stop();
    await consumer?.disconnect().catch(() => undefined);
    writer?.release();
    await pool.end().catch(() => undefined);
  }
}

// ---------------------------------------------------------------------------------------------

/** `events` written in `elapsedMs`, the first `startupMs` of it (if any) before the writer could take records. */
function timedResult(
  scenario: MaterializeScenario,
  events: number,
  elapsedMs: number,
  startupMs: number | null,
  error: string | null,
  details: Record<string, unknown>,
): MaterializeResult {
  const eventsPerSec = (events / elapsedMs) * 1000;
  const eventsPerSecAfterStartup = startupMs === null ? null : (events / (elapsedMs - startupMs)) * 1000;
  return { scenario, events, elapsedMs, eventsPerSec, startupMs, eventsPerSecAfterStartup, error, details };
}

function emptyResult(scenario: MaterializeScenario, events: number) {
  return { scenario, events, elapsedMs: null, eventsPerSec: null, startupMs: null, eventsPerSecAfterStartup: null };
}

function stats(values: readonly number[]): { avg: number; max: number } | null {
  if (values.length === 0) return null;
  let sum = 0;
  let max = 0;
  for (const value of values) {
    sum += value;
    max = Math.max(max, value);
  }
  return { avg: sum / values.length, max };
}
