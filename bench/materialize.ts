import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Consumer } from 'kafkajs';
import pg from 'pg';
import { loadConfig } from '../adapters/config.js';
import { copyRows, type CopyValue } from '../adapters/copy.js';
import { createPool } from '../adapters/database.js';
import { createKafka } from '../adapters/kafka.js';
import { createRegistryClient, type RegistryClient } from '../adapters/registry.js';
import { createEventDecoder } from '../consumers/event-decoder.js';
import { migrate, startMaterializer, type Materializer } from '../consumers/materializer/index.js';
import { createPartitionManager, dayOf } from '../consumers/materializer/partitions.js';
import { toEventRow } from '../consumers/materializer/records.js';
import { eventLogColumns, eventRowValues } from '../consumers/materializer/store.js';
import { entityTopic } from '../core/topics.js';
import { ensureTopics } from '../producers/ensure-topics.js';
import { createPublisher } from '../producers/publisher.js';
import type { BatchEvent } from '../producers/types.js';
import { readEventSchemas } from '../schemas/event-schemas.js';
import type { CrmDeal, Customer, Invoice } from '../schemas/generated/types.js';
import { registerSchemas } from '../schemas/governance.js';
import { benchService, encodeForSizing } from './payload.js';
import type { ScenarioStack, MaterializerSettings } from './scenario.js';

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
export interface MaterializeOptions extends ScenarioStack {
  /** Events pre-filled and materialised (N). */
  readonly events: number;
  /** Events the naive consumer writes (the first ones it is given), at most N. */
  readonly naiveEvents: number;
  /** `bench_<random>`: the materializer's schema; the naive consumer's is `<schema>_naive`. */
  readonly schema: string;
  /** The materializer's settings (`MATERIALIZER_*`, `EVENT_RETENTION_DAYS`). */
  readonly materializer: MaterializerSettings;
  /** Called with what stops the scenario's clients and drops its schemas, so an interrupted run can clean up. */
  readonly onCleanup?: (cleanup: (() => Promise<void>) | undefined) => void;
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
  let cleaning: Promise<void> | undefined;
  const cleanup = (): Promise<void> =>
    (cleaning ??= (async () => {
      await naiveConsumer?.disconnect().catch(() => undefined);
      await materializer?.stop().catch((error: unknown) => logger.warn({ err: error }, 'stopping the materializer failed'));
      await options.admin
        .deleteGroups([materializerGroup, naiveGroup])
        .catch((error: unknown) => logger.debug({ err: error }, 'deleting the bench consumer groups failed'));
      await dropSchemas(options.databaseUrl, [options.schema, naiveSchema]).catch((error: unknown) =>
        logger.warn({ err: error }, 'dropping the bench schemas failed'),
      );
    })());
  options.onCleanup?.(cleanup);

  try {
    // Pre-fill (untimed): topics and schemas as `evp topics ensure` and `evp schemas register` make them.
    await ensureTopics(options.admin, options.topicPrefix, materializeEntities, {
      partitions: options.partitions,
      retentionMs: 86_400_000,
      deadLetterRetentionMs: 86_400_000,
    });
    const registry = createRegistryClient({ url: options.schemaRegistryUrl });
    await registerSchemas({
      registry,
      topicPrefix: options.topicPrefix,
      schemas: new Map([...readEventSchemas()].filter(([entity]) => (materializeEntities as readonly string[]).includes(entity))),
    });
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
      await runNaive(options, naiveN, naiveSchema, naiveGroup, registry, (consumer) => (naiveConsumer = consumer)).finally(
        () => (naiveConsumer = undefined),
      ),
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
  } finally {
    await cleanup();
    options.onCleanup?.(undefined);
  }
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
      const common = { organization_id: data.organization_id, actor: 'usr_bench', request_id: requestId(index), data };
      return created
        ? { type: 'invoice.created', ...common }
        : {
            type: 'invoice.updated',
            ...common,
            previous_attributes: { status: 'approved', sent_at: null, updated_at: '2026-10-31T09:00:00.000Z' },
          };
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
      const common = { organization_id: data.organization_id, actor: 'usr_bench', request_id: requestId(index), data };
      return created
        ? { type: 'customer.created', ...common }
        : {
            type: 'customer.updated',
            ...common,
            previous_attributes: { marketing_consent: false, updated_at: '2026-10-31T09:00:00.000Z' },
          };
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
      const common = { organization_id: data.organization_id, actor: 'usr_bench', request_id: requestId(index), data };
      return created
        ? { type: 'crm.deal.created', ...common }
        : {
            type: 'crm.deal.updated',
            ...common,
            previous_attributes: { stage: 'qualified', updated_at: '2026-10-31T09:00:00.000Z' },
          };
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
    const sizeWith = (length: number) => size(make(0, false, 'A'.repeat(length)));
    let length = Math.max(0, targetValueBytes - (await sizeWith(0)));
    while (length > 0 && (await sizeWith(length)) > targetValueBytes) length--;
    while ((await sizeWith(length)) < targetValueBytes) length++;
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

function requestId(index: number): string {
  return `req_${index.toString(36).padStart(8, '0')}`;
}

function randomLetters(length: number): string {
  const bytes = randomBytes(length);
  for (let i = 0; i < bytes.length; i++) bytes[i] = 65 + ((bytes[i] as number) % 26);
  return bytes.toString('latin1');
}

/** Publishes the N events through the SDK (its defaults: gzip, acks=all), chunks of 1,000 with a few in flight. */
async function prefill(options: MaterializeOptions, workload: Workload, n: number): Promise<MaterializeReport['publish']> {
  const config = loadConfig({ ...options.env, TOPIC_PREFIX: options.topicPrefix });
  const publisher = createPublisher(config, { service: benchService, logger: options.logger });
  const chunk = 1_000;
  const inFlight = new Set<Promise<unknown>>();
  let acked = 0;
  let failure: unknown;
  const progress = startProgress('materialize: publishing', n, () => acked, 'acknowledged');
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
  const { logger } = options;
  const probe = await connect(options.databaseUrl, options.schema);
  let materializer: Materializer | undefined;
  const polls: number[] = [];
  let count = 0;
  const progress = startProgress(`materialize: ${scenario}`, n, () => count, 'in events');
  try {
    const started = performance.now();
    materializer = await startMaterializer({
      kafkaBrokers: options.brokers,
      schemaRegistryUrl: options.schemaRegistryUrl,
      databaseUrl: options.databaseUrl,
      databaseSchema: options.schema,
      topicPrefix: options.topicPrefix,
      groupId,
      logger: logger.child({ service: 'materializer' }),
      port: 0,
      ...options.materializer,
    });
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
    return {
      scenario,
      events: n,
      elapsedMs,
      eventsPerSec: (n / elapsedMs) * 1000,
      startupMs,
      eventsPerSecAfterStartup: (n / (elapsedMs - startupMs)) * 1000,
      error: count > n ? `events holds ${count} rows, more than the ${n} published` : null,
      details,
    };
  } catch (error) {
    return { ...emptyResult(scenario, n), error: (error as Error).message, details: { count } };
  } finally {
    progress.stop();
    await materializer?.stop().catch((error: unknown) => logger.warn({ err: error }, 'stopping the materializer failed'));
    await probe.end().catch(() => undefined);
  }
}

/** Transactions and outcomes from the materializer's own /metrics. */
async function materializerMetrics(port: number): Promise<Record<string, unknown>> {
  const response = await fetch(`http://127.0.0.1:${port}/metrics`);
  const text = await response.text();
  const sum = (name: string) => {
    let total = 0;
    for (const line of text.split('\n')) {
      if (line.startsWith(`${name}{`) || line.startsWith(`${name} `)) total += Number(line.slice(line.lastIndexOf(' ') + 1));
    }
    return total;
  };
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
    return {
      scenario,
      events: n,
      elapsedMs,
      eventsPerSec: (n / elapsedMs) * 1000,
      startupMs: null,
      eventsPerSecAfterStartup: null,
      error: copied[0]?.n === n ? null : `events_ceiling holds ${copied[0]?.n} rows, ${n} expected`,
      details: { table: 'logged', statements: 1, tableBytes: Number(copied[0]?.bytes ?? 0) },
    };
  } catch (error) {
    return { ...emptyResult(scenario, n), error: (error as Error).message, details: {} };
  } finally {
    await client.end().catch(() => undefined);
  }
}

// ---------------------------------------------------------------------------------------------
// 3. The floor: one autocommitted INSERT per event

async function runNaive(
  options: MaterializeOptions,
  sample: number,
  schema: string,
  groupId: string,
  registry: RegistryClient,
  onConsumer: (consumer: Consumer) => void,
): Promise<MaterializeResult> {
  const scenario = 'floor (naive INSERT)';
  const { logger } = options;
  const pool = createPool({ url: options.databaseUrl, schema, max: 2, applicationName: 'evp-bench-naive', logger });
  let writer: pg.PoolClient | undefined;
  let consumer: Consumer | undefined;
  let done = 0;
  const progress = startProgress(`materialize: ${scenario}`, sample, () => done, 'inserted');
  try {
    // Untimed: the store's tables and the partitions of yesterday, today and tomorrow (as the materializer makes them).
    const setup = await pool.connect();
    try {
      await migrate(setup, schema, logger);
    } finally {
      setup.release();
    }
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
    return {
      scenario,
      events: sample,
      elapsedMs,
      eventsPerSec: (sample / elapsedMs) * 1000,
      startupMs,
      eventsPerSecAfterStartup: (sample / (elapsedMs - startupMs)) * 1000,
      error: (rows[0]?.n ?? 0) >= sample ? null : `events holds ${rows[0]?.n} rows, ${sample} expected`,
      details: { storedEvents: rows[0]?.n ?? 0, connections: 1, partitionsConsumedConcurrently: 1 },
    };
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

async function connect(url: string, schema: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url, application_name: 'evp-bench', options: `-c search_path=${schema}` });
  await client.connect();
  return client;
}

async function dropSchemas(url: string, schemas: readonly string[]): Promise<void> {
  const client = new pg.Client({ connectionString: url, application_name: 'evp-bench' });
  await client.connect();
  try {
    for (const schema of schemas) await client.query(`drop schema if exists ${pg.escapeIdentifier(schema)} cascade`);
  } finally {
    await client.end();
  }
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

/** A line on stderr every 5 s while a step runs. */
function startProgress(what: string, total: number, done: () => number, verb: string): { stop(): void } {
  const started = performance.now();
  const timer = setInterval(() => {
    const seconds = (performance.now() - started) / 1000;
    process.stderr.write(`  ${what}: ${done()}/${total} ${verb}, ${Math.round(done() / seconds)} events/s so far\n`);
  }, 5_000);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
