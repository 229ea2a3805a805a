import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import type pg from 'pg';
import { loadConfig } from '../adapters/config.js';
import { createPool } from '../adapters/database.js';
import { migratePool } from '../adapters/migrate.js';
import type { Api } from '../api/index.js';
import { apiDefaults } from '../api/options.js';
import type { Materializer } from '../consumers/materializer/index.js';
import { streamerDefaults, type Streamer } from '../consumers/streamer/index.js';
import { createApiKey } from '../core/api-keys.js';
import { entityTopic } from '../core/topics.js';
import { createPublisher } from '../producers/publisher.js';
import type { Publisher } from '../producers/types.js';
import { createApiKeyRow } from '../store/api-keys.js';
import { sampleEvenly, stageBreakdown, stagesText, type StageBreakdown } from './e2e-stages.js';
import { epochNow } from './lib/arrivals.js';
import { figure } from './lib/format.js';
import { summarize, type LatencySummary } from './lib/percentiles.js';
import { startServiceProcesses, type ServiceProcesses } from './lib/service-processes.js';
import { arrivalTimes, startFollower, startReceiver, type Sink } from './lib/receivers.js';
import {
  connect,
  createBenchTopics,
  createWebhookDestination,
  readMetrics,
  registerBenchSchemas,
  removeScenarioState,
  startBenchApi,
  startBenchMaterializer,
  startBenchStreamer,
  untilConsuming,
  untilListening,
  withCleanup,
  type Cleanable,
  type MaterializerSettings,
  type ScenarioStack,
  type StreamerSettings,
} from './lib/stack.js';
import { benchEntity, benchEventType, benchService, buildPayload, type Payload } from './payload.js';

/**
 * The e2e scenario: the whole pipeline at a steady publish rate, per event, from `publish()`
 * resolved until (a) the event reaches a client following the Events API's live tail
 * (`GET /api/v1/events/stream`, SSE) and (b) its webhook reaches a receiver.
 *
 * Set-up (untimed): one entity topic and its schema under a fresh prefix, a fresh PostgreSQL
 * schema (migrated), an API key and one webhook destination of org_bench (every event type) to a
 * node:http receiver in a worker thread of its own; then, all in this process, the materializer
 * (`startMaterializer`), the streamer (`startStreamer`) and the API (`startApi`, a free port);
 * the live-tail client runs in a second worker thread. One event is sent through both paths to
 * warm them, then five one at a time (the latency without load, right after the start), then 300
 * at 100/s and 20 one at a time (the latency of an idle pipeline that has been running).
 *
 * Then runs at fixed rates: a pacer publishes through the SDK at `rate` events/s for `seconds`
 * (events due by the clock are sent, at most `window` in flight), and every event's arrival at
 * both ends is matched to the moment its publish resolved. After publishing stops, the run waits
 * up to `drainSeconds` for the stragglers; an event that never arrives counts as at least the
 * time it waited (so a percentile that may land on one is only a lower bound, marked as such).
 * Lag grew when the p99 of the last `windowPercent` % of the events (in publish order) exceeds
 * `growthFactor` × the p99 of the first ones, and by at least `growthMinMs`; a path fell behind
 * when, while publishing (after the first window), fewer events arrived than `minDeliveryPercent` % of
 * those published meanwhile (a path starved while publishing goes on delays its first events as
 * much as its last, which the p99 ratio alone misses). The search for the
 * highest rate the pipeline sustains (run first): `probe.seconds` at `probe.startRate`, then
 * rates doubling while they hold (or halving while they do not), where a rate does not hold when
 * lag grows or falls behind on either path or the publisher achieves less than `minPublishPercent` % of it; then
 * `probe.refine` bisection steps between the highest rate that held and the lowest that did not.
 *
 * Only measures; nothing here asserts on time.
 */
export interface E2eOptions extends ScenarioStack, Cleanable {
  /** The services in this process, as `evp start` runs them, or as three `evp` processes (BENCH_E2E_SERVICES). */
  readonly services: 'in-process' | 'processes';
  /** Publish rates (events/s) measured for `seconds` each. */
  readonly rates: readonly number[];
  readonly seconds: number;
  readonly probe: {
    /** Seconds per step; 0 skips the search. */
    readonly seconds: number;
    /** The first rate tried: doubled while rates hold, halved while they do not. */
    readonly startRate: number;
    /** The search stops doubling here… */
    readonly maxRate: number;
    /** …and halving here. */
    readonly minRate: number;
    /** Bisection steps between the last rate that held and the first that did not. */
    readonly refine: number;
    /** `both`: a rate holds when both paths hold; `api`: when publish → API live tail holds, whatever the webhook does. */
    readonly path: 'both' | 'api';
  };
  /** The share of a run's events (first and last, in publish order) whose p99s are compared, in percent. */
  readonly windowPercent: number;
  readonly growthFactor: number;
  readonly growthMinMs: number;
  /** A run whose publisher achieves less than this share of its rate, in percent, did not hold. */
  readonly minPublishPercent: number;
  /**
   * A path fell behind when, while publishing (after its first window), fewer of the run's
   * events arrived than this share of those published meanwhile, in percent.
   */
  readonly minDeliveryPercent: number;
  /** How long a run waits, after its last publish, for its events to arrive. */
  readonly drainSeconds: number;
  /** How long a run waits, before it starts, for what the previous one left behind to clear. */
  readonly settleSeconds: number;
  /** SDK publishes in flight at most. */
  readonly window: number;
  /** `bench_<random>_e2e`: created, migrated and dropped by the scenario. */
  readonly schema: string;
  readonly materializer: MaterializerSettings;
  readonly streamer: StreamerSettings;
}

export type LatencyFigure = 'avg' | 'p50' | 'p90' | 'p99' | 'max';

/** ms. Events that had not arrived count as the time they had waited: figures they may affect are lower bounds (`atLeast`). */
export interface E2eLatency {
  readonly events: number;
  readonly missing: number;
  readonly avg: number;
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly max: number;
  readonly atLeast: readonly LatencyFigure[];
}

export interface E2ePath {
  /** The run's events that arrived (before the drain ran out), and those that did not. */
  readonly arrived: number;
  readonly missing: number;
  /** From its publish() resolved to its arrival, per event. */
  readonly latencyMs: E2eLatency | null;
  readonly firstWindowMs: E2eLatency | null;
  readonly lastWindowMs: E2eLatency | null;
  /** The last window's p99 / the first window's. */
  readonly growth: number | null;
  readonly lagGrew: boolean;
  /**
   * While publishing, from the end of the first window (`windowPercent` % of the time) to the
   * last acknowledgement: the run's events arriving per second, and their share of those
   * published meanwhile (about 1 when the path keeps up: the events published before the span
   * and arriving in it make up for those published in it and arriving after).
   */
  readonly throughput: { readonly arrivedPerSec: number; readonly publishedPerSec: number; readonly share: number } | null;
  readonly fellBehind: boolean;
  /** From the last acknowledgement until the last of the run's events arrived; null when some never did. */
  readonly drainMs: number | null;
  /** Arrivals of an event seen before (SSE repeats after a reconnect, webhook retries). */
  readonly repeats: number;
}

export interface E2eBacklog {
  /** Records past the group's stored positions (`evp_materializer_consumer_lag`, `evp_streamer_consumer_lag`). */
  readonly materializerLag: number | null;
  readonly streamerLag: number | null;
  /** Deliveries recorded but not yet sent (pending or needs_retry). */
  readonly pendingDeliveries: number | null;
}

export interface E2eRun {
  readonly phase: 'rate' | 'probe';
  readonly rate: number;
  readonly seconds: number;
  /** Events the clock made due (rate × seconds); sent, acknowledged and failed of them. */
  readonly scheduled: number;
  readonly sent: number;
  readonly published: number;
  readonly failed: number;
  /** Acknowledged / max(seconds, first publish → last acknowledgement). */
  readonly achievedRate: number;
  readonly publishShort: boolean;
  /** publish() called → resolved, per event. */
  readonly publishLatencyMs: E2eLatency | null;
  /** How far the pacer fell behind its clock at most (a busy event loop, or the window full). */
  readonly pacerBehindMaxMs: number;
  readonly api: E2ePath;
  readonly webhook: E2ePath;
  /** The backlog when the last publish was acknowledged. */
  readonly atPublishEnd: E2eBacklog;
  readonly lagGrew: boolean;
  readonly fellBehind: boolean;
  /** Lag did not grow and no path fell behind, and the publisher kept the rate. */
  readonly held: boolean;
  /** The same for the API path alone (BENCH_E2E_PROBE_PATH=api). */
  readonly apiHeld: boolean;
  /** Why it did not hold. */
  readonly reasons: readonly string[];
  /** This process's main thread (publisher, materializer, streamer, API) while publishing. */
  readonly eventLoopUtilization: number;
  readonly processCpuCores: number;
  readonly timeline: readonly E2eSample[];
  /** Where the time of the run's events went (at most 2,000 of them, evenly spread), p50 and p99 per stage. */
  readonly stages: StageBreakdown;
}

export interface E2eSample {
  readonly s: number;
  readonly published: number;
  readonly api: number;
  readonly webhook: number;
  readonly materializerLag: number | null;
  readonly streamerLag: number | null;
  readonly pendingDeliveries: number | null;
}

/** The options a report repeats, in the order it lists them. */
const reportedOptions = [
  'services',
  'rates',
  'seconds',
  'probe',
  'windowPercent',
  'growthFactor',
  'growthMinMs',
  'minPublishPercent',
  'minDeliveryPercent',
  'drainSeconds',
  'settleSeconds',
  'window',
  'partitions',
  'keys',
  'schema',
] as const satisfies readonly (keyof E2eOptions)[];

export interface E2eReport extends Pick<E2eOptions, (typeof reportedOptions)[number]> {
  readonly scenario: 'e2e';
  readonly topic: string;
  readonly valueBytes: number;
  /** How "readable through the API" is measured. */
  readonly apiMethod: string;
  readonly apiStream: { readonly pollMs: number; readonly pageSize: number; readonly maxBufferBytes: number };
  readonly materializer: E2eOptions['materializer'];
  readonly streamer: E2eOptions['streamer'] & { readonly fanOutLingerMs: number; readonly pollMs: number };
  /** Services started until the warm-up event reached both ends. */
  readonly startupMs: number | null;
  /** Right after the services started (their code paths still cold). */
  readonly unloaded: UnloadedLatency | null;
  /** An idle pipeline that has been running: after `idleWarmUpEvents` events, one at a time again. */
  readonly idle: UnloadedLatency | null;
  readonly runs: readonly E2eRun[];
  readonly probeRuns: readonly E2eRun[];
  readonly sustainable: {
    /** The highest probed rate that held (null: none did, or no search). */
    readonly rate: number | null;
    /** The lowest probed rate that did not hold (null: every rate tried held). */
    readonly failedAt: number | null;
    readonly reasons: readonly string[];
  } | null;
  /** The live-tail client's connections (1 unless it was dropped) and what ended the others. */
  readonly apiClient: { readonly connects: number; readonly notes: readonly string[] } | null;
  /** Why the scenario stopped early, if it did. */
  readonly error: string | null;
}

/** Events sent one at a time, each once the previous one reached both ends. */
export interface UnloadedLatency {
  readonly events: number;
  readonly apiMs: E2eLatency | null;
  readonly webhookMs: E2eLatency | null;
  /** Where an unloaded event's time goes (bench/e2e-stages.ts). */
  readonly stages: StageBreakdown;
}

const organizationId = 'org_bench';
const unloadedEvents = 5;
// The idle figure: the pipeline warmed by this many events (at idleWarmUpRate/s), then idleEvents one at a time.
export const idleWarmUpEvents = 300;
export const idleWarmUpRate = 100;
const idleEvents = 20;
const sampleMs = 5_000;
const readPageSize = 500;
export const e2eApiMethod =
  'SSE live tail: GET /api/v1/events/stream with the key, one client in a worker thread of its own; arrival = the chunk holding the event read';

interface Context {
  readonly options: E2eOptions;
  readonly payload: Payload;
  readonly publisher: Publisher;
  readonly receiver: Sink;
  readonly follower: Sink;
  /** Where the materializer and the streamer serve /metrics. */
  readonly ports: { readonly materializer: number; readonly streamer: number };
  readonly probe: pg.Client;
  /** The next event's index (entity ids and paddings cycle through it). */
  next: number;
  /** The previous run left events unarrived: wait for the backlog before the next. */
  dirty: boolean;
  /** The webhook destination is paused (an API-only search): runs do not wait for its arrivals. */
  webhookPaused: boolean;
}

export async function runE2e(options: E2eOptions): Promise<E2eReport> {
  const { logger, schema } = options;
  const topic = entityTopic(options.topicPrefix, benchEntity);
  const materializerGroup = `${options.topicPrefix}.materializer`;
  const streamerGroup = `${options.topicPrefix}.streamer`;
  const pool = createPool({ url: options.databaseUrl, schema, max: 2, applicationName: 'evp-bench-e2e', logger });
  let receiver: Sink | undefined;
  let follower: Sink | undefined;
  let materializer: Materializer | undefined;
  let streamer: Streamer | undefined;
  let api: Api | undefined;
  let processes: ServiceProcesses | undefined;
  let publisher: Publisher | undefined;
  let probe: pg.Client | undefined;
  const cleanup = async (): Promise<void> => {
    await follower?.close().catch(() => undefined);
    await publisher?.close().catch(() => undefined);
    await streamer?.stop().catch((error: unknown) => logger.warn({ err: error }, 'stopping the streamer failed'));
    await materializer?.stop().catch((error: unknown) => logger.warn({ err: error }, 'stopping the materializer failed'));
    await api?.stop().catch((error: unknown) => logger.warn({ err: error }, 'stopping the API failed'));
    await processes?.stop().catch((error: unknown) => logger.warn({ err: error }, 'stopping the service processes failed'));
    await receiver?.close().catch(() => undefined);
    await probe?.end().catch(() => undefined);
    await pool.end().catch(() => undefined);
    await removeScenarioState(options, [materializerGroup, streamerGroup], [schema]);
  };

  const report = {
    scenario: 'e2e' as const,
    ...(Object.fromEntries(reportedOptions.map((key) => [key, options[key]])) as Pick<E2eOptions, (typeof reportedOptions)[number]>),
    topic,
    apiMethod: e2eApiMethod,
    apiStream: { pollMs: apiDefaults.stream.pollMs, pageSize: readPageSize, maxBufferBytes: apiDefaults.stream.maxBufferBytes },
    materializer: options.materializer,
    streamer: { ...options.streamer, fanOutLingerMs: streamerDefaults.lingerMs, pollMs: streamerDefaults.pollMs },
  };
  const runs: E2eRun[] = [];
  const probeRuns: E2eRun[] = [];
  let valueBytes = 0;
  let startupMs: number | null = null;
  let unloaded: E2eReport['unloaded'] = null;
  let idle: E2eReport['idle'] = null;
  let sustainable: E2eReport['sustainable'] = null;
  let apiClient: E2eReport['apiClient'] = null;
  let error: string | null = null;
  await withCleanup(options, cleanup, async () => {
    try {
      // Set-up (untimed): the topic and its schema, the store's tables, a key, the receiver and its destination.
      await createBenchTopics(options.admin, options.topicPrefix, [benchEntity], options.partitions, 3_600_000);
      await registerBenchSchemas(options, [benchEntity]);
      const payload = await buildPayload(options.targetValueBytes, options.keys);
      valueBytes = payload.valueBytes;
      await migratePool(pool, schema, logger);
      const key = createApiKey();
      await createApiKeyRow(pool, key, organizationId, 'bench e2e', ['admin']);
      receiver = await startReceiver('event-id');
      await createWebhookDestination(pool, organizationId, `http://127.0.0.1:${receiver.port}/e2e`, 'bench e2e receiver');
      process.stderr.write(
        `bench: e2e: ${benchEventType} (value ${payload.valueBytes} B) at ${options.rates.join(', ')} events/s × ${options.seconds} s` +
          (options.probe.seconds > 0
            ? `, after a search from ${options.probe.startRate}/s (doubling or halving, ${options.probe.seconds} s each, then ${options.probe.refine} bisection steps)`
            : '') +
          `; webhook receiver http://127.0.0.1:${receiver.port}/, API live tail in a worker\n`,
      );

      // The services, as `evp start` runs them, in this process; or as three processes.
      const started = performance.now();
      let ports: Context['ports'];
      let apiPort: number;
      if (options.services === 'processes') {
        const groups = { materializer: materializerGroup, streamer: streamerGroup };
        processes = await startServiceProcesses(options, groups, options.materializer, options.streamer);
        ports = { materializer: processes.materializerPort, streamer: processes.streamerPort };
        apiPort = processes.apiPort;
        await untilListening(apiPort, 'API', 60_000);
      } else {
        materializer = await startBenchMaterializer(options, materializerGroup, options.materializer);
        streamer = await startBenchStreamer(options, streamerGroup, options.streamer);
        api = await startBenchApi(options);
        ports = { materializer: materializer.port, streamer: streamer.port };
        apiPort = api.port;
      }
      await untilConsuming(ports.materializer, 'materializer', 60_000);
      await untilConsuming(ports.streamer, 'streamer', 60_000);
      follower = await startFollower(`http://127.0.0.1:${apiPort}/api/v1/events/stream`, key.key);
      probe = await connect(options.databaseUrl, schema);
      const config = loadConfig({ ...options.env, TOPIC_PREFIX: options.topicPrefix });
      publisher = createPublisher(config, { service: benchService, logger: options.logger });
      const context: Context = {
        options,
        payload,
        publisher,
        receiver,
        follower,
        ports,
        probe,
        next: 0,
        dirty: false,
        webhookPaused: false,
      };

      // Untimed: one event through both paths (partitions assigned, connections open), then five one at a time.
      await publisher.publish(benchEventType, payload.event(context.next++));
      if (!(await untilCounts(context, 1, 60_000)))
        throw new Error('the warm-up event did not reach both the live tail and the webhook in 60 s');
      startupMs = performance.now() - started;
      unloaded = await unloadedLatency(context, unloadedEvents);
      process.stderr.write(
        `  e2e: started in ${(startupMs / 1000).toFixed(1)} s; unloaded: API p50 ${figure(unloaded.apiMs?.p50, 1)} ms, ` +
          `webhook p50 ${figure(unloaded.webhookMs?.p50, 1)} ms\n  e2e: unloaded stages (medians): ${stagesText(unloaded.stages)}\n`,
      );
      idle = await idleLatency(context);
      process.stderr.write(
        `  e2e: idle (after ${idleWarmUpEvents} events): API p50 ${figure(idle.apiMs?.p50, 1)} ms, webhook p50 ${figure(idle.webhookMs?.p50, 1)} ms\n` +
          `  e2e: idle stages (medians): ${stagesText(idle.stages)}\n`,
      );

      // The search first: its last step overloads for only `probe.seconds`, where a fixed rate beyond
      // the pipeline's reach leaves a backlog the rest would wait for.
      if (options.probe.seconds > 0) sustainable = await apiOnlyIf(context, options.probe.path === 'api', () => search(context, probeRuns));
      for (const rate of options.rates) {
        if (!(await settle(context)))
          throw new Error(`the previous run's backlog had not cleared after ${options.settleSeconds} s; the remaining rates were not run`);
        runs.push(await runAtRate(context, 'rate', rate, options.seconds));
      }
    } catch (failure) {
      error = (failure as Error).message;
      process.stderr.write(`bench: e2e: ${error}\n`);
    } finally {
      const client = follower ? await follower.collect().catch(() => undefined) : undefined;
      apiClient = client ? { connects: client.connects, notes: client.notes } : null;
    }
  });
  return { ...report, valueBytes, startupMs, unloaded, idle, runs, probeRuns, sustainable, apiClient, error };
}

// ---------------------------------------------------------------------------------------------
// The runs

/**
 * With `apiOnly`, the webhook destination is taken out (marked deleted in the database, its
 * secret kept) around `work`: the streamer still consumes every event but records no delivery
 * and sends nothing, so the webhook path neither competes for the cores nor decides whether a
 * rate held, and leaves no backlog for the runs after the search. (A paused destination would
 * not do: its deliveries are recorded and held until it is active again.)
 */
async function apiOnlyIf<T>(context: Context, apiOnly: boolean, work: () => Promise<T>): Promise<T> {
  if (!apiOnly) return work();
  await context.probe.query('update destinations set deleted_at = now()');
  context.webhookPaused = true;
  // The streamer reads its destinations every second.
  await sleep(2_000);
  try {
    return await work();
  } finally {
    context.webhookPaused = false;
    await context.probe.query('update destinations set deleted_at = null');
    // The API may still be catching up with what the search published: the next run waits for it.
    context.dirty = true;
    await sleep(2_000);
  }
}

/** Rates doubling until one does not hold, then bisection between the last that held and it. */
async function search(context: Context, runs: E2eRun[]): Promise<NonNullable<E2eReport['sustainable']>> {
  const { probe } = context.options;
  const found: { held: number | null; failed: number | null; reasons: readonly string[] } = { held: null, failed: null, reasons: [] };
  const step = async (rate: number): Promise<boolean> => {
    if (!(await settle(context)))
      throw new Error(`the previous run's backlog had not cleared after ${context.options.settleSeconds} s; the search stopped`);
    const run = await runAtRate(context, 'probe', rate, probe.seconds);
    runs.push(run);
    const held = probe.path === 'api' ? run.apiHeld : run.held;
    if (held) found.held = rate;
    else {
      found.failed = rate;
      found.reasons = run.reasons;
    }
    return held;
  };
  // Up from the start while rates hold; down from it while they do not.
  if (await step(probe.startRate)) {
    for (let rate = probe.startRate * 2; rate <= probe.maxRate; rate *= 2) if (!(await step(rate))) break;
  } else {
    for (let rate = Math.round(probe.startRate / 2); rate >= probe.minRate; rate = Math.round(rate / 2)) if (await step(rate)) break;
  }
  for (let i = 0; i < probe.refine && found.held !== null && found.failed !== null; i++) {
    const low = found.held;
    const high = found.failed;
    // Round to a readable figure: 100s (or 10s for small rates).
    const unit = high - low >= 1_000 ? 100 : 10;
    const rate = Math.round((low + high) / 2 / unit) * unit;
    if (rate <= low || rate >= high) break;
    await step(rate);
  }
  const { held, failed, reasons } = found;
  process.stderr.write(
    `  e2e: sustainable: ${held === null ? `below ${failed ?? probe.startRate}` : held} events/s` +
      (failed === null ? ' (every rate tried held)' : `; ${failed}/s did not hold: ${reasons.join('; ')}`) +
      '\n',
  );
  return { rate: held, failedAt: failed, reasons };
}

async function runAtRate(context: Context, phase: E2eRun['phase'], rate: number, seconds: number): Promise<E2eRun> {
  const { options, receiver, follower } = context;
  const label = `${phase === 'probe' ? 'probe ' : ''}${rate}/s`;
  await Promise.all([receiver.reset(), follower.reset()]);

  const ids: string[] = [];
  const resolvedAt: number[] = [];
  const callMs: number[] = [];
  const timeline: E2eSample[] = [];
  const elu = performance.eventLoopUtilization();
  const cpu = process.cpuUsage();
  const startedAt = performance.now();
  const publishStartAt = epochNow();
  let sampling = Promise.resolve();
  const sampler = setInterval(() => {
    sampling = sampling.then(async () => {
      const backlog = await readBacklog(context);
      const s = Math.round((performance.now() - startedAt) / 1000);
      const sample = { s, published: ids.length, api: follower.count(), webhook: receiver.count(), ...backlog };
      timeline.push(sample);
      process.stderr.write(
        `  e2e ${label}: ${s} s: published ${sample.published} (${Math.round(sample.published / Math.max(1, Math.min(s, seconds)))}/s), ` +
          `arrived API ${sample.api}, webhook ${sample.webhook}; lag materializer ${figure(backlog.materializerLag)}, ` +
          `streamer ${figure(backlog.streamerLag)} + ${figure(backlog.pendingDeliveries)} deliveries pending\n`,
      );
    });
  }, sampleMs);
  const paced = await pace(context, rate, seconds, (eventId, calledAt) => {
    const at = epochNow();
    ids.push(eventId);
    resolvedAt.push(at);
    callMs.push(performance.now() - calledAt);
  });
  const publishEndAt = epochNow();
  const utilization = performance.eventLoopUtilization(elu).utilization;
  const cpuUsed = process.cpuUsage(cpu);
  const publishMs = performance.now() - startedAt;
  const atPublishEnd = await readBacklog(context);
  const n = ids.length;

  // Until both ends have every event of the run, or the drain runs out.
  const deadline = performance.now() + options.drainSeconds * 1000;
  let api: Arrivals | undefined;
  let webhook: Arrivals | undefined;
  for (;;) {
    const over = performance.now() > deadline;
    const hooked = (count: number) => context.webhookPaused || count >= n;
    if (over || (hooked(receiver.count()) && follower.count() >= n)) {
      [webhook, api] = await Promise.all([collect(receiver), collect(follower)]);
      if (over || (hooked(matched(webhook, ids)) && matched(api, ids) === n)) break;
    }
    await sleep(100);
  }
  clearInterval(sampler);
  await sampling;
  const collectedAt = epochNow();

  const path = (arrivals: Arrivals): E2ePath =>
    measurePath(options, ids, resolvedAt, arrivals, { from: publishStartAt, to: publishEndAt }, collectedAt);
  const apiPath = path(api);
  const webhookPath = path(webhook);
  const stages = await stageBreakdown(
    context.probe,
    sampleEvenly(
      ids.map((eventId, i) => ({
        eventId,
        ackedAt: resolvedAt[i] as number,
        apiAt: api.times.get(eventId),
        webhookAt: webhook.times.get(eventId),
      })),
      2_000,
    ),
  );
  context.dirty = apiPath.missing > 0 || (!context.webhookPaused && webhookPath.missing > 0);
  const achievedRate = (paced.published / Math.max(seconds * 1000, paced.lastAckAt - paced.firstSendAt)) * 1000;
  const publishShort = achievedRate < (rate * options.minPublishPercent) / 100;
  const reasons = [
    publishShort ? `publisher achieved ${Math.round(achievedRate)}/s, under ${options.minPublishPercent}% of ${rate}/s` : '',
    paced.failed > 0 ? `${paced.failed} publishes failed (first: ${paced.firstError ?? ''})` : '',
    apiPath.lagGrew ? `API lag grew (${growthText(apiPath)})` : '',
    !context.webhookPaused && webhookPath.lagGrew ? `webhook lag grew (${growthText(webhookPath)})` : '',
    apiPath.fellBehind ? `API fell behind (${behindText(apiPath)})` : '',
    !context.webhookPaused && webhookPath.fellBehind ? `webhook fell behind (${behindText(webhookPath)})` : '',
  ].filter((reason) => reason !== '');
  const run: E2eRun = {
    phase,
    rate,
    seconds,
    scheduled: paced.scheduled,
    sent: paced.sent,
    published: paced.published,
    failed: paced.failed,
    achievedRate,
    publishShort,
    publishLatencyMs: summarizeLatency(Float64Array.from(callMs), null),
    pacerBehindMaxMs: paced.behindMaxMs,
    api: apiPath,
    webhook: webhookPath,
    atPublishEnd,
    lagGrew: apiPath.lagGrew || webhookPath.lagGrew,
    fellBehind: apiPath.fellBehind || webhookPath.fellBehind,
    held: reasons.length === 0,
    apiHeld: !publishShort && paced.failed === 0 && !apiPath.lagGrew && !apiPath.fellBehind,
    reasons,
    eventLoopUtilization: utilization,
    processCpuCores: (cpuUsed.user + cpuUsed.system) / 1000 / publishMs,
    timeline,
    stages,
  };
  process.stderr.write(
    `  e2e ${label}: ${n} events, ${Math.round(achievedRate)}/s achieved; API p50 ${latencyText(apiPath.latencyMs, 'p50')} / ` +
      `p99 ${latencyText(apiPath.latencyMs, 'p99')} ms, webhook p50 ${latencyText(webhookPath.latencyMs, 'p50')} / ` +
      `p99 ${latencyText(webhookPath.latencyMs, 'p99')} ms; ${run.held ? 'held' : `did not hold: ${reasons.join('; ')}`}\n` +
      `  e2e ${label}: stages (p50 / p99): ${stagesText(stages, true)}\n`,
  );
  return run;
}

function measurePath(
  options: E2eOptions,
  ids: readonly string[],
  resolvedAt: readonly number[],
  arrivals: Arrivals,
  publishing: { readonly from: number; readonly to: number },
  collectedAt: number,
): E2ePath {
  const n = ids.length;
  const latencies = new Float64Array(n);
  const missingMask = new Uint8Array(n);
  let missing = 0;
  let lastArrival = 0;
  for (let i = 0; i < n; i++) {
    const at = arrivals.times.get(ids[i] as string);
    const published = resolvedAt[i] as number;
    if (at === undefined) {
      missing++;
      missingMask[i] = 1;
      latencies[i] = collectedAt - published;
    } else {
      latencies[i] = at - published;
      lastArrival = Math.max(lastArrival, at);
    }
  }
  const size = Math.max(1, Math.floor((n * options.windowPercent) / 100));
  const firstWindowMs = n > 0 ? summarizeLatency(latencies.subarray(0, size), missingMask.subarray(0, size)) : null;
  const lastWindowMs = n > 0 ? summarizeLatency(latencies.subarray(n - size), missingMask.subarray(n - size)) : null;
  // Throughput while publishing, after the first window: arrivals of the run's events vs publishes resolved meanwhile.
  const span = { from: publishing.from + ((publishing.to - publishing.from) * options.windowPercent) / 100, to: publishing.to };
  let publishedInSpan = 0;
  let arrivedInSpan = 0;
  for (let i = 0; i < n; i++) {
    const published = resolvedAt[i] as number;
    if (published >= span.from && published <= span.to) publishedInSpan++;
    const at = arrivals.times.get(ids[i] as string);
    if (at !== undefined && at >= span.from && at <= span.to) arrivedInSpan++;
  }
  const spanSeconds = (span.to - span.from) / 1000;
  const throughput =
    publishedInSpan > 0 && spanSeconds > 0
      ? {
          arrivedPerSec: arrivedInSpan / spanSeconds,
          publishedPerSec: publishedInSpan / spanSeconds,
          share: arrivedInSpan / publishedInSpan,
        }
      : null;
  const growth = firstWindowMs && lastWindowMs && firstWindowMs.p99 > 0 ? lastWindowMs.p99 / firstWindowMs.p99 : null;
  const lagGrew =
    firstWindowMs !== null &&
    lastWindowMs !== null &&
    lastWindowMs.p99 > options.growthFactor * firstWindowMs.p99 &&
    lastWindowMs.p99 - firstWindowMs.p99 >= options.growthMinMs;
  return {
    arrived: n - missing,
    missing,
    latencyMs: summarizeLatency(latencies, missingMask),
    firstWindowMs,
    lastWindowMs,
    growth,
    lagGrew,
    throughput,
    fellBehind: throughput !== null && throughput.share * 100 < options.minDeliveryPercent,
    drainMs: missing === 0 && n > 0 ? Math.max(0, lastArrival - publishing.to) : null,
    repeats: arrivals.repeats,
  };
}

function matched(arrivals: Arrivals, ids: readonly string[]): number {
  let count = 0;
  for (const id of ids) if (arrivals.times.has(id)) count++;
  return count;
}

interface Paced {
  readonly scheduled: number;
  readonly sent: number;
  readonly published: number;
  readonly failed: number;
  readonly firstError: string | null;
  readonly firstSendAt: number;
  readonly lastAckAt: number;
  readonly behindMaxMs: number;
}

/**
 * Publishes at `rate` events/s for `seconds`: event k is due at start + k / rate; whenever the
 * pacer wakes it sends every event due (at most `window` in flight), so a busy event loop makes
 * bursts, not a lower rate. What is still unsent when the time is up is not sent.
 */
async function pace(context: Context, rate: number, seconds: number, onAck: (eventId: string, calledAt: number) => void): Promise<Paced> {
  const { publisher, payload, options } = context;
  const scheduled = Math.round(rate * seconds);
  const startedAt = performance.now();
  const endAt = startedAt + seconds * 1000;
  let sent = 0;
  let published = 0;
  let failed = 0;
  let firstError: string | null = null;
  let pending = 0;
  let lastAckAt = startedAt;
  let behindMaxMs = 0;
  let wake: (() => void) | undefined;
  const settled = () => {
    pending--;
    const resume = wake;
    wake = undefined;
    resume?.();
  };
  while (sent < scheduled) {
    const now = performance.now();
    if (now >= endAt) break;
    const due = Math.min(scheduled, Math.floor(((now - startedAt) / 1000) * rate) + 1);
    if (sent < due) behindMaxMs = Math.max(behindMaxMs, now - (startedAt + (sent / rate) * 1000));
    while (sent < due && pending < options.window) {
      const calledAt = performance.now();
      pending++;
      sent++;
      publisher.publish(benchEventType, payload.event(context.next++)).then(
        (result) => {
          published++;
          lastAckAt = performance.now();
          onAck(result.eventId, calledAt);
          settled();
        },
        (error: unknown) => {
          failed++;
          firstError ??= (error as Error).message;
          settled();
        },
      );
    }
    if (sent < due) await new Promise<void>((resolve) => (wake = resolve));
    else await sleep(Math.max(0, startedAt + (sent / rate) * 1000 - performance.now()));
  }
  while (pending > 0) await new Promise<void>((resolve) => (wake = resolve));
  return { scheduled, sent, published, failed, firstError, firstSendAt: startedAt, lastAckAt, behindMaxMs };
}

/**
 * Before a run: when the previous one left events unarrived, waits until the materializer and the
 * streamer have no lag and no delivery is pending (then 1 s for the live tail's poll), at most
 * `settleSeconds`. False when the backlog did not clear.
 */
async function settle(context: Context): Promise<boolean> {
  if (!context.dirty) return true;
  const deadline = performance.now() + context.options.settleSeconds * 1000;
  process.stderr.write(`  e2e: waiting for the previous run's backlog to clear\n`);
  while (performance.now() < deadline) {
    const backlog = await readBacklog(context);
    if (backlog.materializerLag === 0 && backlog.streamerLag === 0 && backlog.pendingDeliveries === 0) {
      await sleep(1_000);
      context.dirty = false;
      return true;
    }
    await sleep(500);
  }
  return false;
}

/**
 * The latency of an idle pipeline that has been running: `idleWarmUpEvents` events at a gentle
 * rate take every service's code paths past their first runs, then the same as unloadedLatency.
 */
async function idleLatency(context: Context): Promise<UnloadedLatency> {
  const { publisher, payload } = context;
  await Promise.all([context.receiver.reset(), context.follower.reset()]);
  const sent: Promise<unknown>[] = [];
  for (let k = 0; k < idleWarmUpEvents; k++) {
    sent.push(publisher.publish(benchEventType, payload.event(context.next++)));
    await sleep(1000 / idleWarmUpRate);
  }
  await Promise.all(sent);
  if (!(await untilCounts(context, idleWarmUpEvents, 60_000)))
    throw new Error(`the ${idleWarmUpEvents} warm-up events did not reach both ends in 60 s`);
  await sleep(1_000);
  return unloadedLatency(context, idleEvents);
}

/** Events one at a time, each once the previous one reached both ends: the latency without load. */
async function unloadedLatency(context: Context, events: number): Promise<UnloadedLatency> {
  const { publisher, payload, receiver, follower } = context;
  await Promise.all([receiver.reset(), follower.reset()]);
  const ids: string[] = [];
  const resolvedAt: number[] = [];
  for (let k = 1; k <= events; k++) {
    const { eventId } = await publisher.publish(benchEventType, payload.event(context.next++));
    ids.push(eventId);
    resolvedAt.push(epochNow());
    if (!(await untilCounts(context, k, 30_000))) throw new Error(`unloaded event ${k} did not reach both ends in 30 s`);
  }
  const [webhook, api] = await Promise.all([collect(receiver), collect(follower)]);
  const latencies = (arrivals: Arrivals) =>
    summarizeLatency(
      Float64Array.from(ids, (id, i) => (arrivals.times.get(id) ?? Number.NaN) - (resolvedAt[i] as number)),
      null,
    );
  const stages = await stageBreakdown(
    context.probe,
    ids.map((eventId, i) => ({
      eventId,
      ackedAt: resolvedAt[i] as number,
      apiAt: api.times.get(eventId),
      webhookAt: webhook.times.get(eventId),
    })),
  );
  return { events, apiMs: latencies(api), webhookMs: latencies(webhook), stages };
}

async function untilCounts(context: Context, count: number, timeoutMs: number): Promise<boolean> {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    if (context.receiver.count() >= count && context.follower.count() >= count) return true;
    await sleep(10);
  }
  return false;
}

/** The lag the materializer and the streamer report on /metrics, and the deliveries not yet sent. */
async function readBacklog(context: Context): Promise<E2eBacklog> {
  const [materializerLag, streamerLag, pendingDeliveries] = await Promise.all([
    readMetrics(context.ports.materializer)
      .then((sum) => sum('evp_materializer_consumer_lag'))
      .catch(() => null),
    readMetrics(context.ports.streamer)
      .then((sum) => sum('evp_streamer_consumer_lag'))
      .catch(() => null),
    context.probe
      .query<{ n: number }>(`select count(*)::int as n from deliveries where status in ('pending', 'needs_retry') and not test`)
      .then((result) => result.rows[0]?.n ?? null)
      .catch(() => null),
  ]);
  return { materializerLag, streamerLag, pendingDeliveries };
}

// ---------------------------------------------------------------------------------------------
// The two ends (lib/receivers.ts)

interface Arrivals {
  /** Per event id, its first arrival (ms since the epoch). */
  readonly times: ReadonlyMap<string, number>;
  readonly repeats: number;
}

/** What arrived at `sink` since its last reset, by event id. */
async function collect(sink: Sink): Promise<Arrivals> {
  const arrivals = await sink.collect();
  return { times: arrivalTimes(arrivals), repeats: arrivals.repeated };
}

/**
 * Nearest-rank percentiles, in ms. `missing` marks events that had not arrived (their value: the
 * time they had waited, a lower bound): a figure is exact only when every such bound lies above it.
 */
function summarizeLatency(values: Float64Array, missing: Uint8Array | null): E2eLatency | null {
  const present = values.filter((value) => !Number.isNaN(value));
  if (present.length === 0) return null;
  let missingCount = 0;
  let lowestMissing = Number.POSITIVE_INFINITY;
  if (missing) {
    for (let i = 0; i < values.length; i++) {
      if (missing[i] !== 1) continue;
      missingCount++;
      lowestMissing = Math.min(lowestMissing, values[i] as number);
    }
  }
  const figures = summarize(present) as LatencySummary;
  const atLeast: LatencyFigure[] =
    missingCount === 0 ? [] : ['avg', ...(['p50', 'p90', 'p99'] as const).filter((key) => figures[key] >= lowestMissing), 'max'];
  return { events: present.length, missing: missingCount, ...figures, atLeast };
}

/** A latency figure in ms, `≥` before a lower bound. */
export function latencyText(latency: E2eLatency | null | undefined, key: LatencyFigure, digits = 1): string {
  if (!latency) return '-';
  return `${latency.atLeast.includes(key) ? '≥' : ''}${figure(latency[key], digits)}`;
}

function behindText(path: E2ePath): string {
  const throughput = path.throughput;
  return throughput
    ? `${figure(throughput.arrivedPerSec)}/s arrived while ${figure(throughput.publishedPerSec)}/s were published, ${Math.round(throughput.share * 100)}%`
    : '-';
}

function growthText(path: E2ePath): string {
  return `p99 ${latencyText(path.firstWindowMs, 'p99', 0)} → ${latencyText(path.lastWindowMs, 'p99', 0)} ms`;
}
