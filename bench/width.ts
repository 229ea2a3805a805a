import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { loadConfig } from '../adapters/config.js';
import { createPool } from '../adapters/database.js';
import { migratePool } from '../adapters/migrate.js';
import type { Streamer } from '../consumers/streamer/index.js';
import { createPublisher } from '../producers/publisher.js';
import type { Publisher } from '../producers/types.js';
import type { Database } from '../store/query.js';
import {
  counterRates,
  lessBackground,
  watchDbActivity,
  type CounterRates,
  type DbActivity,
  type StatementSource,
} from './lib/db-activity.js';
import { startReceiver, type Sink } from './lib/receivers.js';
import {
  connect,
  createBenchTopics,
  createWebhookDestination,
  registerBenchSchemas,
  startBenchStreamer,
  untilConsuming,
  withCleanup,
  type Cleanable,
  type ScenarioStack,
  type StreamerSettings,
} from './lib/stack.js';
import { benchEntity, benchService, buildPayload } from './payload.js';
import { measureFanOut, type FanOutResult } from './width-fan-out.js';

/**
 * The width scenario: what the number of destinations costs the streamer, beside a narrow
 * baseline from the same run.
 *
 * - Idle: the database's transactions, statements and rows read per second while a streamer runs
 *   with no events and `baselineDestinations` (10) active webhook destinations, then with
 *   `destinations` (1,000), each over `idleSeconds`; first the same window with no streamer (the
 *   background, subtracted). The streamer works in a database of its own, so pg_stat_database
 *   counts it and the bench's reader only, not the other users of the server.
 * - Fan-out: `rate` events/s for `seconds` to `destinations` webhooks subscribed to every event,
 *   then up to `drainSeconds` for the rest to arrive; the baseline offers the same deliveries/s to
 *   `baselineDestinations` (rate × destinations / baselineDestinations events/s). Reported:
 *   deliveries/s and publish → webhook latency (publish() resolved → first arrival of the delivery).
 *
 * Each set of destinations belongs to an organization of its own and only the set being measured
 * is active. The receiver is the bench's node:http worker (204 at once). Only measures.
 */
export interface WidthBenchOptions extends ScenarioStack, Cleanable {
  readonly idleSeconds: number;
  readonly seconds: number;
  readonly drainSeconds: number;
  readonly destinations: number;
  readonly baselineDestinations: number;
  /** Events/s of the wide run. */
  readonly rate: number;
  /** SDK publishes kept in flight. */
  readonly window: number;
  /** `bench_<random>_width`: the name of the database (and of the schema in it) created and dropped by the scenario. */
  readonly schema: string;
  readonly streamer: StreamerSettings;
}

export interface IdleResult {
  readonly label: string;
  /** Active destinations (0: no streamer). */
  readonly destinations: number;
  readonly seconds: number;
  readonly perSec: CounterRates;
  /** Less the background. */
  readonly netPerSec: CounterRates;
  /** This process (the streamer, the receiver's thread aside) in CPU cores. */
  readonly processCpuCores: number;
}

export interface WidthReport {
  readonly scenario: 'width';
  readonly database: string;
  readonly statementSource: StatementSource;
  readonly valueBytes: number;
  readonly streamer: StreamerSettings;
  readonly idle: {
    readonly background: IdleResult;
    readonly baseline: IdleResult;
    readonly wide: IdleResult;
    /** Wide ÷ baseline, each less the background. */
    readonly transactionsRatio: number | null;
    readonly statementsRatio: number | null;
  };
  readonly fanOut: { readonly baseline: FanOutResult; readonly wide: FanOutResult };
}

/** The dispatcher reads the destinations again every second by default: a change is seen within this. */
const settleMs = 3_000;
/**
 * Before an idle window. PostgreSQL 15 flushes an idle backend's statistics up to 10 s late
 * (PGSTAT_IDLE_INTERVAL in pgstat.c), so the set-up just before (migrations, a thousand inserts)
 * would otherwise land in the window.
 */
const idleSettleMs = 12_000;

export async function runWidthBench(options: WidthBenchOptions): Promise<WidthReport> {
  const { logger, schema } = options;
  const url = new URL(options.databaseUrl);
  url.pathname = `/${schema}`;
  const databaseUrl = url.toString();
  const groupId = `${options.topicPrefix}.streamer`;
  await adminQuery(options.databaseUrl, `create database ${pg.escapeIdentifier(schema)}`);
  const pool = createPool({ url: databaseUrl, schema, max: 2, applicationName: 'evp-bench-width', logger });
  let client: pg.Client | undefined;
  let receiver: Sink | undefined;
  let activity: DbActivity | undefined;
  let streamer: Streamer | undefined;
  let publisher: Publisher | undefined;
  const cleanup = async (): Promise<void> => {
    await publisher?.close().catch(() => undefined);
    await streamer?.stop().catch((error: unknown) => logger.warn({ err: error }, 'stopping the streamer failed'));
    await receiver?.close().catch(() => undefined);
    await activity?.close();
    await pool.end().catch(() => undefined);
    await client?.end().catch(() => undefined);
    await options.admin.deleteGroups([groupId]).catch(() => undefined);
    await adminQuery(options.databaseUrl, `drop database if exists ${pg.escapeIdentifier(schema)} with (force)`).catch((error: unknown) =>
      logger.warn({ err: error }, 'dropping the bench database failed'),
    );
  };

  return withCleanup(options, cleanup, async () => {
    await createBenchTopics(options.admin, options.topicPrefix, [benchEntity], options.partitions, 3_600_000);
    await registerBenchSchemas(options, [benchEntity]);
    const payload = await buildPayload(options.targetValueBytes, options.keys);
    await migratePool(pool, schema, logger);
    // One connection kept open from here on: with a thousand destinations the streamer can take
    // every file descriptor the process may open, and a new connection would then fail (EMFILE).
    client = await connect(databaseUrl, schema);
    const db = client;
    receiver = await startReceiver('webhook-id');
    activity = await watchDbActivity(databaseUrl);
    const sets = {
      baseline: {
        organizationId: 'org_width_baseline',
        ids: await createDestinations(db, 'org_width_baseline', options.baselineDestinations, receiver.port, 'b'),
      },
      wide: { organizationId: 'org_width_wide', ids: [] as string[] },
    };
    const idle = async (label: string, destinations: number, background?: IdleResult) =>
      measureIdle(activity as DbActivity, label, destinations, options.idleSeconds, background);
    process.stderr.write(`bench: width: idle database cost (${options.idleSeconds} s each), statements by ${activity.statementSource}\n`);
    const background = await idle('background (no streamer)', 0);

    streamer = await startBenchStreamer({ ...options, databaseUrl }, groupId, options.streamer);
    await untilConsuming(streamer.port, 'streamer', 60_000);
    const baselineIdle = await idle(
      `streamer, ${options.baselineDestinations} idle destinations`,
      options.baselineDestinations,
      background,
    );
    sets.wide.ids = await createDestinations(db, 'org_width_wide', options.destinations, receiver.port, 'w');
    await setActive(db, sets.baseline.ids, false);
    const wideIdle = await idle(`streamer, ${options.destinations} idle destinations`, options.destinations, background);

    publisher = createPublisher(loadConfig({ ...options.env, TOPIC_PREFIX: options.topicPrefix }), { service: benchService, logger });
    const offered = options.rate * options.destinations;
    const run = async (set: 'baseline' | 'wide', rate: number): Promise<FanOutResult> => {
      const active = sets[set];
      const inactive = sets[set === 'wide' ? 'baseline' : 'wide'];
      await setActive(db, inactive.ids, false);
      await setActive(db, active.ids, true);
      await sleep(settleMs);
      const label = `${active.ids.length} destinations × ${rate} events/s`;
      process.stderr.write(`bench: width: fan-out, ${label} = ${offered} deliveries/s offered, ${options.seconds} s\n`);
      const context = { db, activity: activity as DbActivity, receiver: receiver as Sink, publisher: publisher as Publisher, payload };
      return measureFanOut(context, { ...options, label, rate, destinations: active.ids.length, organizationId: active.organizationId });
    };
    const baselineRun = await run('baseline', offered / options.baselineDestinations);
    const wideRun = await run('wide', options.rate);
    const ratio = (a: number, b: number) => (b > 0 ? a / b : null);
    return {
      scenario: 'width',
      database: schema,
      statementSource: activity.statementSource,
      valueBytes: payload.valueBytes,
      streamer: options.streamer,
      idle: {
        background,
        baseline: baselineIdle,
        wide: wideIdle,
        transactionsRatio: ratio(wideIdle.netPerSec.transactions, baselineIdle.netPerSec.transactions),
        statementsRatio: ratio(wideIdle.netPerSec.statements, baselineIdle.netPerSec.statements),
      },
      fanOut: { baseline: baselineRun, wide: wideRun },
    };
  });
}

async function adminQuery(url: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: url, application_name: 'evp-bench' });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** `count` webhook destinations of `organizationId`, every event type, at /<prefix>/<n> of the receiver. */
async function createDestinations(db: Database, organizationId: string, count: number, port: number, prefix: string): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i++)
    ids.push((await createWebhookDestination(db, organizationId, `http://127.0.0.1:${port}/${prefix}/${i}`, `width ${prefix} ${i}`)).id);
  return ids;
}

async function setActive(db: Database, ids: readonly string[], active: boolean): Promise<void> {
  if (ids.length > 0) await db.query('update destinations set active = $2 where id = any($1)', [ids, active]);
}

async function measureIdle(
  activity: DbActivity,
  label: string,
  destinations: number,
  seconds: number,
  background: IdleResult | undefined,
): Promise<IdleResult> {
  await sleep(idleSettleMs);
  const before = await activity.read();
  const cpu = process.cpuUsage();
  const startedAt = performance.now();
  await sleep(seconds * 1000);
  const after = await activity.read();
  const elapsedMs = performance.now() - startedAt;
  const used = process.cpuUsage(cpu);
  const perSec = counterRates(before, after, elapsedMs);
  const result = {
    label,
    destinations,
    seconds: elapsedMs / 1000,
    perSec,
    netPerSec: background ? lessBackground(perSec, background.perSec) : perSec,
    processCpuCores: (used.user + used.system) / 1000 / elapsedMs,
  };
  process.stderr.write(
    `  width: ${label}: ${Math.round(perSec.transactions)} transactions/s, ${Math.round(perSec.statements)} statements/s\n`,
  );
  return result;
}
