import fs from 'node:fs';
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { Agent, request } from 'undici';
import { loadConfig } from '../adapters/config.js';
import { createPool } from '../adapters/database.js';
import { migratePool } from '../adapters/migrate.js';
import { streamerDefaults, type Streamer } from '../consumers/streamer/index.js';
import { createDeliveryId } from '../core/ids.js';
import { signatureHeader } from '../core/webhook-signature.js';
import { createPublisher } from '../producers/publisher.js';
import type { Publisher } from '../producers/types.js';
import { epochNow } from './lib/arrivals.js';
import { summarize, type LatencySummary } from './lib/percentiles.js';
import { startReceiver, type Arrivals, type Sink } from './lib/receivers.js';
import {
  connect,
  createBenchTopics,
  createWebhookDestination,
  publishWindowed,
  registerBenchSchemas,
  removeScenarioState,
  startBenchStreamer,
  startCountProgress,
  startProgress,
  untilConsuming,
  withCleanup,
  type Cleanable,
  type ScenarioStack,
  type StreamerSettings,
} from './lib/stack.js';
import { benchEntity, benchEventType, benchService, buildPayload, type Payload } from './payload.js';

/**
 * The streamer scenario: N events fanned out to D webhook destinations of one organization, all
 * pointing at one local receiver, end to end (publish → Kafka → fan-out into PostgreSQL →
 * delivery workers → HTTP), next to a baseline that posts the same bodies straight to the same
 * receiver with plain undici at the same concurrency (the ceiling a webhook sender can reach here).
 *
 * - `streamer`: `startStreamer()` in this process with the production settings, started (and
 *   warmed with one event) before the first publish; timed from the first publish until the
 *   receiver has seen N × D distinct webhook-ids. Latency per delivery: arrival at the receiver −
 *   the moment its event's `publish()` resolved. Before the burst, five events one at a time
 *   give the latency without a backlog ("unloaded").
 * - `baseline`: the N × D bodies the streamer sent (read back from `deliveries`), each posted with
 *   fresh webhook-id and the same three Standard Webhooks headers (signed per post, so signing is
 *   in the figure), `maxConcurrency × D` posts in flight; latency per post: from signing to the
 *   response read. Once with undici's default Agent (a connection per post in flight), once with
 *   as many connections per destination as its concurrency, the pool the streamer's webhook sender
 *   keeps for each destination and origin (so maxConcurrency × D to the one receiver).
 *
 * The receiver is a node:http server in a worker thread of its own (so its work does not share the
 * streamer's event loop): 204 at once, arrival time per distinct webhook-id. Only measures.
 */
export interface StreamerBenchOptions extends ScenarioStack, Cleanable {
  /** Events published (N). */
  readonly events: number;
  /** Webhook destinations, each subscribed to every event (D). */
  readonly destinations: number;
  /** SDK publishes kept in flight. */
  readonly window: number;
  /** The measurement gives up after this long (and after `stallMs` without a new delivery). */
  readonly timeoutMs: number;
  /** `bench_<random>_streamer`: created, migrated and dropped by the scenario. */
  readonly schema: string;
  readonly streamer: StreamerSettings;
}

export type { LatencySummary } from './lib/percentiles.js';

export interface StreamerResult {
  readonly scenario: string;
  /** Deliveries (or posts) the row aimed at: N × D. */
  readonly expected: number;
  /** Distinct webhook-ids the receiver saw (streamer), or posts answered (baseline). */
  readonly done: number;
  /** In flight at most: the streamer's per-destination concurrency × D, the baseline's lanes. */
  readonly inFlight: number;
  /** HTTP connections at most: the sender's pools together, or the baseline Agent's (null: one per post in flight). */
  readonly connections: number | null;
  readonly elapsedMs: number | null;
  readonly perSec: number | null;
  readonly latencyMs: LatencySummary | null;
  readonly error: string | null;
  readonly details: Readonly<Record<string, unknown>>;
}

export interface StreamerReport {
  readonly scenario: 'streamer';
  readonly events: number;
  readonly destinations: number;
  readonly deliveries: number;
  readonly partitions: number;
  readonly keys: number;
  readonly window: number;
  readonly schema: string;
  readonly topic: string;
  /** Bytes of each event's Kafka value, and of the JSON body each destination gets. */
  readonly valueBytes: number;
  readonly bodyBytes: number | null;
  readonly streamer: StreamerBenchOptions['streamer'] & { readonly poolSize: number; readonly senderConnectionsPerDestination: number };
  /** The timed publish, for reference (it runs while the streamer works). */
  readonly publish: { readonly elapsedMs: number; readonly eventsPerSec: number } | null;
  readonly results: readonly StreamerResult[];
}

const organizationId = 'org_bench';
const stallMs = 120_000;
const poolSize = streamerDefaults.concurrency + 6;
const sampleMs = 500;

export async function runStreamerBench(options: StreamerBenchOptions): Promise<StreamerReport> {
  // The webhook sender keeps a pool of this many connections per destination and origin (destinations/webhook/pools.ts).
  const senderConnectionsPerDestination = options.streamer.maxConcurrency;
  const { logger, schema } = options;
  const n = options.events;
  const d = options.destinations;
  const total = n * d;
  const inFlight = options.streamer.maxConcurrency * d;
  const topic = `${options.topicPrefix}.${benchEntity}`;
  const groupId = `${options.topicPrefix}.streamer`;
  const pool = createPool({ url: options.databaseUrl, schema, max: 2, applicationName: 'evp-bench-streamer', logger });
  let receiver: Sink | undefined;
  let streamer: Streamer | undefined;
  let publisher: Publisher | undefined;
  const cleanup = async (): Promise<void> => {
    await publisher?.close().catch(() => undefined);
    await streamer?.stop().catch((error: unknown) => logger.warn({ err: error }, 'stopping the streamer failed'));
    await receiver?.close().catch(() => undefined);
    await pool.end().catch(() => undefined);
    await removeScenarioState(options, [groupId], [schema]);
  };

  return withCleanup(options, cleanup, async () => {
    // Set-up (untimed): the topic and its schema, the store's tables, the receiver, the destinations.
    await createBenchTopics(options.admin, options.topicPrefix, [benchEntity], options.partitions, 3_600_000);
    await registerBenchSchemas(options, [benchEntity]);
    const payload = await buildPayload(options.targetValueBytes, options.keys);
    await migratePool(pool, schema, logger);
    receiver = await startReceiver('webhook-id');
    const destinations = await createDestinations(pool, d, receiver.port);
    process.stderr.write(
      `bench: streamer: ${n} × ${benchEventType} (value ${payload.valueBytes} B) to ${d} webhook destinations = ${total} deliveries, ` +
        `${options.streamer.maxConcurrency} in flight per destination; receiver http://127.0.0.1:${receiver.port}/d/<n>\n`,
    );

    const config = loadConfig({ ...options.env, TOPIC_PREFIX: options.topicPrefix });
    publisher = createPublisher(config, { service: benchService, logger: options.logger });
    const started = await runStreamer(options, payload, publisher, receiver, groupId, (s) => (streamer = s));
    streamer = undefined;
    const streamed = started.result;

    // The baseline posts the bodies the streamer sent, in fan-out order.
    // (The warm-up events' bodies come first; they are left out.)
    const bodies = (await readBodies(pool, destinations[0]?.id ?? '')).slice(-n);
    const bodyBytes = bodies.length > 0 ? Buffer.byteLength(bodies[0] as string) : null;
    const results: StreamerResult[] = [streamed];
    if (bodies.length === 0) {
      results.push(emptyResult('baseline (undici)', total, inFlight, null, 'no bodies to post: the streamer recorded no deliveries'));
    } else {
      results.push(await runBaseline(receiver, destinations, bodies, total, inFlight, null));
      results.push(await runBaseline(receiver, destinations, bodies, total, inFlight, senderConnectionsPerDestination * d));
    }
    return {
      scenario: 'streamer',
      events: n,
      destinations: d,
      deliveries: total,
      partitions: options.partitions,
      keys: options.keys,
      window: options.window,
      schema,
      topic,
      valueBytes: payload.valueBytes,
      bodyBytes,
      streamer: { ...options.streamer, poolSize, senderConnectionsPerDestination },
      publish: started.publish,
      results,
    };
  });
}

// ---------------------------------------------------------------------------------------------
// The destinations

type BenchDestination = Awaited<ReturnType<typeof createWebhookDestination>>;

/** D webhook destinations of org_bench, every event type, each at its own path of the one receiver. */
async function createDestinations(pool: pg.Pool, count: number, port: number): Promise<BenchDestination[]> {
  const destinations: BenchDestination[] = [];
  for (let index = 0; index < count; index++)
    destinations.push(
      await createWebhookDestination(pool, organizationId, `http://127.0.0.1:${port}/d/${index}`, `bench receiver ${index}`),
    );
  return destinations;
}

async function readBodies(pool: pg.Pool, destinationId: string): Promise<string[]> {
  const { rows } = await pool.query<{ payload: string }>(
    `select p.payload::text as payload from deliveries d
       join delivery_payloads p on p.organization_id = d.organization_id and p.event_id = d.event_id and p.test = d.test
      where d.destination_id = $1 and not d.test order by d.seq`,
    [destinationId],
  );
  return rows.map((row) => row.payload);
}

// ---------------------------------------------------------------------------------------------
// 1. The streamer

async function runStreamer(
  options: StreamerBenchOptions,
  payload: Payload,
  publisher: Publisher,
  receiver: Sink,
  groupId: string,
  onStarted: (streamer: Streamer) => void,
): Promise<{ result: StreamerResult; publish: StreamerReport['publish'] }> {
  const scenario = 'streamer';
  const { logger } = options;
  const n = options.events;
  const total = n * options.destinations;
  const inFlight = options.streamer.maxConcurrency * options.destinations;
  const base = { scenario, expected: total, inFlight, connections: inFlight };
  const probe = await connect(options.databaseUrl, options.schema);
  let streamer: Streamer | undefined;
  let sampler: Sampler | undefined;
  try {
    // Untimed: start-up (migrations are done; group join) and one event through every destination.
    const startupStarted = performance.now();
    streamer = await startBenchStreamer(options, groupId, options.streamer);
    onStarted(streamer);
    await untilConsuming(streamer.port, 'streamer', 60_000);
    await receiver.reset(false);
    await publisher.publish(benchEventType, payload.event(n));
    const warm = await untilCount(receiver, options.destinations, 60_000);
    if (warm < options.destinations) throw new Error(`the warm-up event reached ${warm} of ${options.destinations} destinations in 60 s`);
    const startupMs = performance.now() - startupStarted;
    const unloaded = await unloadedLatency(publisher, payload, receiver, n, options.destinations);
    await receiver.reset(true);
    const sequence = await sequenceReader(probe);
    const fannedBefore = await sequence();

    // Timed: publish N events (window in flight) while the streamer fans out and delivers them.
    const publishedAt = new Map<string, number>();
    let published = 0;
    let publishFailure: unknown;
    let publishDoneAt: number | undefined;
    sampler = startSampler(options.databaseUrl, sequence, fannedBefore, {
      published: () => published,
      delivered: () => receiver.count(),
    });
    const progress = startProgress(
      (seconds) =>
        `streamer: ${Math.round(seconds)} s: published ${published}/${n}, fanned out ${sampler?.fannedOut ?? 0}/${total}, ` +
        `delivered ${receiver.count()}/${total}, ${Math.round(receiver.count() / seconds)} deliveries/s so far`,
    );
    const elu = performance.eventLoopUtilization();
    const receiverElu = receiver.eventLoopUtilization();
    const cpu = process.cpuUsage();
    const pgBefore = await postgresCounters(probe);
    const machineBefore = cpuSnapshot();
    const firstPublish = epochNow();
    const startedAt = performance.now();
    const publishing = publishAll(publisher, payload, n, options.window, (eventId) => {
      publishedAt.set(eventId, epochNow());
      published++;
    }).then(
      () => (publishDoneAt = performance.now()),
      (error: unknown) => (publishFailure = error),
    );

    // Until every delivery arrived, the time runs out, or nothing arrives for `stallMs` after publishing.
    let seen = 0;
    let lastChange = performance.now();
    let stopReason: string | null = null;
    for (;;) {
      const count = receiver.count();
      const now = performance.now();
      if (count >= total) break;
      if (count !== seen) {
        seen = count;
        lastChange = now;
      }
      if (publishFailure !== undefined) {
        stopReason = `publishing failed: ${(publishFailure as Error).message}`;
        break;
      }
      if (now - startedAt > options.timeoutMs) {
        stopReason = `timed out after ${Math.round(options.timeoutMs / 1000)} s at ${count} of ${total} deliveries`;
        break;
      }
      if (publishDoneAt !== undefined && now - lastChange > stallMs) {
        stopReason = `deliveries stopped at ${count} of ${total} for ${stallMs / 1000} s`;
        break;
      }
      await sleep(100);
    }
    const measuredMs = performance.now() - startedAt;
    const utilization = performance.eventLoopUtilization(elu).utilization;
    const receiverUtilization = receiver.eventLoopUtilization(receiverElu).utilization;
    const cpuUsed = process.cpuUsage(cpu);
    const machineAfter = cpuSnapshot();
    progress.stop();
    await sampler.stop();
    await publishing;
    const arrivals = await receiver.collect();

    // Per delivery: arrival − publish resolved of its event.
    const latencies = new Float64Array(arrivals.times.length);
    let matched = 0;
    let unmatched = 0;
    let lastArrival = 0;
    for (let i = 0; i < arrivals.times.length; i++) {
      const at = arrivals.times[i] as number;
      lastArrival = Math.max(lastArrival, at);
      const publishAt = publishedAt.get(arrivals.eventIds[i] as string);
      if (publishAt === undefined) {
        unmatched++;
        continue;
      }
      latencies[matched++] = at - publishAt;
    }
    const delivered = arrivals.times.length;
    const elapsedMs = delivered > 0 ? lastArrival - firstPublish : null;

    // Untimed: what the store holds, and where the time went (fan-out vs delivery).
    const store = await storeChecks(probe);
    const breakdown = await fanOutBreakdown(probe, publishedAt, arrivals);
    const fanOut = sampler.summary(firstPublish, total);
    // Delivery while fan-out was still recording, and after it had recorded all N × D.
    const fannedOutAt = sampler.fannedOutAt(total);
    let duringFanOut = 0;
    if (fannedOutAt !== undefined) for (const at of arrivals.times) if (at <= fannedOutAt) duringFanOut++;
    const phases =
      fannedOutAt === undefined || delivered === 0
        ? null
        : {
            duringFanOut: { deliveries: duringFanOut, perSec: (duringFanOut / (fannedOutAt - firstPublish)) * 1000 },
            afterFanOut: {
              deliveries: delivered - duringFanOut,
              perSec: lastArrival > fannedOutAt ? ((delivered - duringFanOut) / (lastArrival - fannedOutAt)) * 1000 : null,
            },
          };
    const details: Record<string, unknown> = {
      startupMs,
      unloaded,
      publishedEvents: published,
      firstPublishAt: new Date(firstPublish).toISOString(),
      lastArrivalAt: delivered > 0 ? new Date(lastArrival).toISOString() : null,
      requests: arrivals.requests,
      repeatedWebhookIds: arrivals.repeated,
      perDestination: arrivals.paths,
      unmatchedEventIds: unmatched,
      fanOut,
      phases,
      breakdown,
      ...store,
      postgres: sampler.activity(),
      eventLoopUtilization: { streamerThread: utilization, receiverThread: receiverUtilization },
      processCpuCores: (cpuUsed.user + cpuUsed.system) / 1000 / measuredMs,
      machineCpu: machineBefore && machineAfter ? cpuDifference(machineBefore, machineAfter) : null,
      timeline: sampler.timeline(),
    };
    const stopping = performance.now();
    await streamer.stop();
    streamer = undefined;
    details.stopMs = performance.now() - stopping;
    // Read once the streamer's connections closed (a backend reports its counters when it ends, or within a second or so).
    await sleep(1_000);
    details.postgresCounters = perDelivery(pgBefore, await postgresCounters(probe), delivered);

    const publish =
      publishDoneAt === undefined ? null : { elapsedMs: publishDoneAt - startedAt, eventsPerSec: (n / (publishDoneAt - startedAt)) * 1000 };
    return {
      publish,
      result: {
        ...base,
        done: delivered,
        elapsedMs,
        perSec: elapsedMs === null ? null : (delivered / elapsedMs) * 1000,
        latencyMs: summarize(latencies.subarray(0, matched)),
        error: stopReason,
        details,
      },
    };
  } catch (error) {
    return {
      publish: null,
      result: {
        ...base,
        done: receiver.count(),
        elapsedMs: null,
        perSec: null,
        latencyMs: null,
        error: (error as Error).message,
        details: {},
      },
    };
  } finally {
    await sampler?.stop();
    await streamer?.stop().catch((error: unknown) => logger.warn({ err: error }, 'stopping the streamer failed'));
    await probe.end().catch(() => undefined);
  }
}

/** Events sent one at a time, each once the previous one reached every destination: latency without a backlog. */
const unloadedEvents = 5;

async function unloadedLatency(
  publisher: Publisher,
  payload: Payload,
  receiver: Sink,
  n: number,
  destinations: number,
): Promise<{ events: number; latencyMs: LatencySummary | null }> {
  await receiver.reset(true);
  const publishedAt = new Map<string, number>();
  for (let k = 1; k <= unloadedEvents; k++) {
    const { eventId } = await publisher.publish(benchEventType, payload.event(n + k));
    publishedAt.set(eventId, epochNow());
    const reached = await untilCount(receiver, k * destinations, 30_000);
    if (reached < k * destinations)
      throw new Error(`unloaded event ${k} reached ${reached - (k - 1) * destinations} of ${destinations} destinations in 30 s`);
  }
  const arrivals = await receiver.collect();
  const latencies: number[] = [];
  for (let i = 0; i < arrivals.times.length; i++) {
    const at = publishedAt.get(arrivals.eventIds[i] as string);
    if (at !== undefined) latencies.push((arrivals.times[i] as number) - at);
  }
  return { events: unloadedEvents, latencyMs: summarize(Float64Array.from(latencies)) };
}

/** Publishes events 0..n−1 with `window` publishes in flight; `onAck` gets each event id as it is acknowledged. */
async function publishAll(
  publisher: Publisher,
  payload: Payload,
  n: number,
  window: number,
  onAck: (eventId: string) => void,
): Promise<void> {
  const failure = await publishWindowed(
    n,
    window,
    (i) => publisher.publish(benchEventType, payload.event(i)),
    (result) => onAck(result.eventId),
  );
  if (failure !== undefined) throw failure instanceof Error ? failure : new Error(`publishing failed: ${JSON.stringify(failure)}`);
}

async function untilCount(receiver: Sink, count: number, timeoutMs: number): Promise<number> {
  const deadline = performance.now() + timeoutMs;
  while (receiver.count() < count && performance.now() < deadline) await sleep(20);
  return receiver.count();
}

/** The deliveries' identity sequence: its last value counts the rows fan-out inserted, read in O(1). */
async function sequenceReader(client: pg.Client): Promise<() => Promise<number>> {
  const { rows } = await client.query<{ name: string }>(`select pg_get_serial_sequence('deliveries', 'seq') as name`);
  const name = rows[0]?.name;
  if (!name) throw new Error('deliveries.seq has no sequence');
  return async () => {
    const { rows: values } = await client.query<{ value: string }>(
      `select case when is_called then last_value else 0 end::text as value from ${name}`,
    );
    return Number(values[0]?.value ?? 0);
  };
}

interface Sampler {
  /** Deliveries fan-out has recorded since the sampler started (approximate: counts uncommitted rows too). */
  readonly fannedOut: number;
  summary(firstPublish: number, total: number): Record<string, unknown>;
  activity(): Record<string, unknown>;
  /** When the sequence reached `total` (ms since the epoch), if it did. */
  fannedOutAt(total: number): number | undefined;
  timeline(): { s: number; published: number; fannedOut: number; delivered: number }[];
  stop(): Promise<void>;
}

/**
 * Every 500 ms: how many deliveries fan-out has recorded (the identity sequence) and what the
 * streamer's PostgreSQL connections are doing (pg_stat_activity, this process's connections only).
 */
function startSampler(
  url: string,
  sequence: () => Promise<number>,
  before: number,
  counters: { readonly published: () => number; readonly delivered: () => number },
): Sampler {
  const samples: { at: number; published: number; fannedOut: number; delivered: number }[] = [];
  const states = new Map<string, number>();
  let activitySamples = 0;
  let connectionsSeen = 0;
  let activeSum = 0;
  let allBusy = 0;
  let fannedOut = 0;
  let stopped = false;
  let activityError: string | null = null;
  const client = new pg.Client({ connectionString: url, application_name: 'evp-bench' });
  const loop = (async () => {
    await client.connect().catch((error: unknown) => (activityError = (error as Error).message));
    while (!stopped) {
      const asked = performance.now();
      try {
        fannedOut = (await sequence()) - before;
        samples.push({ at: epochNow(), published: counters.published(), fannedOut, delivered: counters.delivered() });
        if (activityError === null) {
          const ports = ownPorts();
          const { rows } = await client.query<{ state: string | null; wait: string | null; query: string }>(
            `select state, wait_event_type || ':' || wait_event as wait, left(query, 200) as query from pg_stat_activity
              where application_name = 'evp-streamer' and ($1::int[] is null or client_port = any($1::int[]))`,
            [ports],
          );
          activitySamples++;
          connectionsSeen = Math.max(connectionsSeen, rows.length);
          let active = 0;
          for (const row of rows) {
            if (row.state === 'idle') continue;
            if (row.state === 'active') active++;
            const key = `${row.state ?? '?'}: ${statementOf(row.query)}${row.wait && !row.wait.startsWith('Client') ? ` (waits ${row.wait})` : ''}`;
            states.set(key, (states.get(key) ?? 0) + 1);
          }
          activeSum += active;
          if (active >= poolSize) allBusy++;
        }
      } catch (error) {
        activityError ??= (error as Error).message;
      }
      await sleep(Math.max(0, sampleMs - (performance.now() - asked)));
    }
  })();
  return {
    get fannedOut() {
      return fannedOut;
    },
    summary(firstPublish, total) {
      const done = samples.find((sample) => sample.fannedOut >= total);
      const last = samples.at(-1);
      const endAt = done?.at ?? last?.at;
      const count = done?.fannedOut ?? last?.fannedOut ?? 0;
      return {
        recorded: count,
        complete: done !== undefined,
        /** From the first publish until the sequence (sampled every 500 ms) reached N × D. */
        elapsedMs: endAt === undefined ? null : endAt - firstPublish,
        perSec: endAt === undefined || endAt <= firstPublish ? null : (count / (endAt - firstPublish)) * 1000,
      };
    },
    activity() {
      const shares = [...states.entries()]
        .sort((a, b) => b[1] - a[1])
        .slice(0, 12)
        .map(([statement, count]) => ({ statement, share: activitySamples > 0 ? count / activitySamples : 0 }));
      return {
        samples: activitySamples,
        poolSize,
        connectionsSeen,
        activeAvg: activitySamples > 0 ? activeSum / activitySamples : null,
        allBusyShare: activitySamples > 0 ? allBusy / activitySamples : null,
        /** Per statement: the average number of the streamer's connections running it (or idle in its transaction). */
        statements: shares,
        error: activityError,
      };
    },
    timeline() {
      const start = samples[0]?.at ?? 0;
      return samples
        .filter((_, i) => i % 10 === 0 || i === samples.length - 1)
        .map((sample) => ({
          s: Math.round((sample.at - start) / 100) / 10,
          published: sample.published,
          fannedOut: sample.fannedOut,
          delivered: sample.delivered,
        }));
    },
    fannedOutAt(total) {
      return samples.find((sample) => sample.fannedOut >= total)?.at;
    },
    async stop() {
      stopped = true;
      await loop;
      await client.end().catch(() => undefined);
    },
  };
}

/** A statement's kind, from its text. */
function statementOf(query: string): string {
  const text = query.replace(/\s+/g, ' ').trim();
  if (text.includes('with picked as') && text.includes('batch_id')) return 'claim batch';
  if (text.includes('with picked as') || text.includes('with wanted as')) return 'claim deliveries';
  if (text.startsWith('with recursive busy as')) return 'due destinations';
  if (text.startsWith('select pg_notify')) return 'delivery notice';
  if (text.includes('with outcome as')) return 'complete attempt';
  if (text.startsWith('update destinations set failing_since') || text.startsWith('with run as')) return 'destination outcome';
  if (text.startsWith('with raised as')) return 'destination alert';
  if (text.startsWith('insert into deliveries') || text.startsWith('with payloads as')) return 'fan-out insert';
  if (text.includes('from destinations where organization_id')) return 'fan-out: read subscriptions';
  if (text.includes('from destinations where active')) return 'load destinations';
  if (text.includes('from deliveries where status in') && text.includes('group by destination_id')) return 'queue depths';
  return text.slice(0, 60);
}

/** This process's TCP client ports (Linux /proc), so pg_stat_activity shows only this streamer's connections; null elsewhere. */
function ownPorts(): number[] | null {
  try {
    const inodes = new Set<string>();
    for (const fd of fs.readdirSync('/proc/self/fd')) {
      const target = fs.readlinkSync(`/proc/self/fd/${fd}`, { encoding: 'utf8' });
      if (target.startsWith('socket:[')) inodes.add(target.slice(8, -1));
    }
    const ports: number[] = [];
    for (const file of ['/proc/self/net/tcp', '/proc/self/net/tcp6']) {
      if (!fs.existsSync(file)) continue;
      for (const line of fs.readFileSync(file, 'utf8').split('\n').slice(1)) {
        const fields = line.trim().split(/\s+/);
        const local = fields[1];
        const inode = fields[9];
        if (local === undefined || inode === undefined || !inodes.has(inode)) continue;
        ports.push(parseInt(local.slice(local.lastIndexOf(':') + 1), 16));
      }
    }
    return ports;
  } catch {
    return null;
  }
}

/** Deliveries by status, attempts, and what is left unsettled. */
async function storeChecks(client: pg.Client): Promise<Record<string, unknown>> {
  const { rows } = await client.query<{ status: string; n: number }>('select status, count(*)::int as n from deliveries group by status');
  const { rows: attempts } = await client.query<{ n: number; failed: number }>(
    `select count(*)::int as n, count(*) filter (where status_code is null or status_code >= 300)::int as failed from delivery_attempts`,
  );
  return {
    deliveriesByStatus: Object.fromEntries(rows.map((row) => [row.status, row.n])),
    attempts: attempts[0]?.n ?? 0,
    failedAttempts: attempts[0]?.failed ?? 0,
  };
}

/**
 * Where an event's time went: publish resolved → its deliveries recorded (the fan-out
 * transaction's start, `created_at`) → each arrival. Per event for the first, per delivery for the second.
 */
async function fanOutBreakdown(
  client: pg.Client,
  publishedAt: ReadonlyMap<string, number>,
  arrivals: Arrivals,
): Promise<Record<string, unknown>> {
  const { rows } = await client.query<{ event_id: string; at: number }>(
    `select event_id, (extract(epoch from min(created_at)) * 1000)::float8 as at from deliveries where not test group by event_id`,
  );
  const recordedAt = new Map(rows.map((row) => [row.event_id, row.at]));
  const toFanOut: number[] = [];
  for (const [eventId, at] of publishedAt) {
    const recorded = recordedAt.get(eventId);
    if (recorded !== undefined) toFanOut.push(recorded - at);
  }
  const toArrival = new Float64Array(arrivals.times.length);
  let count = 0;
  for (let i = 0; i < arrivals.times.length; i++) {
    const recorded = recordedAt.get(arrivals.eventIds[i] as string);
    if (recorded !== undefined) toArrival[count++] = (arrivals.times[i] as number) - recorded;
  }
  return {
    publishToFanOutMs: summarize(Float64Array.from(toFanOut)),
    fanOutToArrivalMs: summarize(toArrival.subarray(0, count)),
  };
}

type Counters = Record<string, number>;

/**
 * Commits of this database and the cluster's WAL totals (pg_stat_database, pg_stat_wal). Both
 * count every client of the server, not only the streamer: on a busy server they overstate it.
 */
async function postgresCounters(client: pg.Client): Promise<Counters | null> {
  try {
    const { rows } = await client.query<{ commits: string; rollbacks: string; wal: Record<string, unknown> | null }>(
      `select xact_commit::text as commits, xact_rollback::text as rollbacks, (select to_jsonb(w) from pg_stat_wal w) as wal
         from pg_stat_database where datname = current_database()`,
    );
    const row = rows[0];
    if (!row) return null;
    const counters: Counters = { commits: Number(row.commits), rollbacks: Number(row.rollbacks) };
    for (const key of ['wal_records', 'wal_fpi', 'wal_bytes', 'wal_write', 'wal_sync', 'wal_buffers_full']) {
      const value = row.wal?.[key];
      if (value !== undefined && value !== null) counters[key] = Number(value);
    }
    return counters;
  } catch {
    return null;
  }
}

function perDelivery(before: Counters | null, after: Counters | null, deliveries: number): Record<string, unknown> | null {
  if (!before || !after || deliveries === 0) return null;
  const totals: Counters = {};
  const each: Counters = {};
  for (const [key, value] of Object.entries(after)) {
    const start = before[key];
    if (start === undefined) continue;
    totals[key] = value - start;
    each[key] = (value - start) / deliveries;
  }
  return { totals, perDelivery: each };
}

interface CpuSnapshot {
  readonly ticks: { readonly busy: number; readonly iowait: number; readonly all: number };
  readonly byProcess: ReadonlyMap<string, number>;
}

/** Jiffies of the whole machine (/proc/stat) and per process group (/proc/<pid>/stat); null where /proc is missing. */
function cpuSnapshot(): CpuSnapshot | null {
  try {
    const line = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '';
    const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] = line
      .trim()
      .split(/\s+/)
      .slice(1)
      .map(Number);
    const busy = user + nice + system + irq + softirq + steal;
    const byProcess = new Map<string, number>();
    for (const pid of fs.readdirSync('/proc')) {
      if (!/^\d+$/.test(pid)) continue;
      try {
        const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
        const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
        const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        const ticks = Number(fields[11]) + Number(fields[12]);
        if (!(ticks > 0)) continue;
        let label = comm;
        if (Number(pid) === process.pid) label = 'this process (streamer, receiver, publisher)';
        else if (comm === 'postgres') label = 'postgres';
        else if (comm === 'java') {
          const cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8');
          label = cmdline.includes('kafka.Kafka') ? 'kafka' : cmdline.includes('apicurio') ? 'registry' : 'java';
        }
        byProcess.set(`${label}\0${pid}`, ticks);
      } catch {
        // The process ended meanwhile.
      }
    }
    return { ticks: { busy, iowait, all: busy + idle + iowait }, byProcess };
  } catch {
    return null;
  }
}

/** Cores used between two snapshots: the machine's busy and iowait time, and per process group (those still alive at the end). */
function cpuDifference(before: CpuSnapshot, after: CpuSnapshot): Record<string, unknown> {
  const cores = os.cpus().length;
  const all = after.ticks.all - before.ticks.all;
  const share = (ticks: number) => (all > 0 ? (ticks / all) * cores : 0);
  const groups = new Map<string, number>();
  for (const [key, ticks] of after.byProcess) {
    // A process that started meanwhile counts whole; one that ended meanwhile is missing.
    const start = before.byProcess.get(key) ?? 0;
    const label = key.slice(0, key.indexOf('\0'));
    groups.set(label, (groups.get(label) ?? 0) + ticks - start);
  }
  return {
    cores,
    busyCores: share(after.ticks.busy - before.ticks.busy),
    iowaitCores: share(after.ticks.iowait - before.ticks.iowait),
    byProcess: Object.fromEntries(
      [...groups.entries()]
        .filter(([, ticks]) => ticks > 0)
        .sort((a, b) => b[1] - a[1])
        .slice(0, 6)
        .map(([label, ticks]) => [label, share(ticks)]),
    ),
  };
}

// ---------------------------------------------------------------------------------------------
// 2. The baseline: plain undici, the same bodies, the same receiver, the same concurrency

async function runBaseline(
  receiver: Sink,
  destinations: readonly BenchDestination[],
  bodies: readonly string[],
  total: number,
  inFlight: number,
  connections: number | null,
): Promise<StreamerResult> {
  const scenario = connections === null ? `baseline (undici, ${inFlight} connections)` : `baseline (undici, ${connections} connections)`;
  const base = { scenario, expected: total, inFlight, connections };
  const agent = new Agent(connections === null ? {} : { connections });
  try {
    const d = destinations.length;
    // Untimed: the webhook-ids, and a warm-up (connections opened, code paths compiled).
    const ids = Array.from({ length: total }, () => createDeliveryId());
    const warmIds = Array.from({ length: inFlight * 4 }, () => createDeliveryId());
    await receiver.reset(false);
    await postAll(agent, destinations, bodies, warmIds, inFlight, new Float64Array(warmIds.length));
    await receiver.reset(false);

    const latencies = new Float64Array(total);
    const progress = startCountProgress(scenario, total, () => receiver.count(), 'received', 'posts/s');
    const started = performance.now();
    const outcome = await postAll(agent, destinations, bodies, ids, inFlight, latencies);
    const elapsedMs = outcome.lastAt - started;
    progress.stop();
    const received = await untilCount(receiver, total, 5_000);
    const problems = [
      outcome.errors > 0 ? `${outcome.errors} failed posts (first: ${outcome.firstError ?? ''})` : '',
      outcome.non2xx > 0 ? `${outcome.non2xx} non-2xx responses` : '',
      received < total ? `the receiver saw ${received} of ${total} webhook-ids` : '',
    ].filter((problem) => problem !== '');
    return {
      ...base,
      done: total - outcome.errors,
      elapsedMs,
      perSec: ((total - outcome.errors) / elapsedMs) * 1000,
      latencyMs: summarize(latencies),
      error: problems.length > 0 ? problems.join('; ') : null,
      details: { received, errors: outcome.errors, non2xx: outcome.non2xx, bodies: bodies.length, destinations: d },
    };
  } catch (error) {
    return emptyResult(scenario, total, inFlight, connections, (error as Error).message);
  } finally {
    await agent.close().catch(() => undefined);
  }
}

/** Posts `ids.length` webhooks, i-th to destination i mod D with body ⌊i / D⌋ mod bodies, `lanes` at a time. */
async function postAll(
  agent: Agent,
  destinations: readonly BenchDestination[],
  bodies: readonly string[],
  ids: readonly string[],
  lanes: number,
  latencies: Float64Array,
): Promise<{ errors: number; non2xx: number; firstError: string | null; lastAt: number }> {
  const d = destinations.length;
  let next = 0;
  let errors = 0;
  let non2xx = 0;
  let firstError: string | null = null;
  let lastAt = performance.now();
  const lane = async () => {
    for (;;) {
      const i = next++;
      if (i >= ids.length) return;
      const destination = destinations[i % d] as BenchDestination;
      const body = bodies[Math.floor(i / d) % bodies.length] as string;
      const id = ids[i] as string;
      const sentAt = performance.now();
      try {
        const timestamp = Math.floor(Date.now() / 1000);
        const response = await request(destination.url, {
          dispatcher: agent,
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'user-agent': 'event-pipeline-webhooks/1',
            'webhook-id': id,
            'webhook-timestamp': String(timestamp),
            'webhook-signature': signatureHeader([destination.secret], id, timestamp, body),
          },
          body,
        });
        await response.body.dump();
        if (response.statusCode < 200 || response.statusCode >= 300) non2xx++;
      } catch (error) {
        errors++;
        firstError ??= (error as Error).message;
      }
      lastAt = performance.now();
      latencies[i] = lastAt - sentAt;
    }
  };
  await Promise.all(Array.from({ length: lanes }, lane));
  return { errors, non2xx, firstError, lastAt };
}

function emptyResult(scenario: string, expected: number, inFlight: number, connections: number | null, error: string): StreamerResult {
  return { scenario, expected, inFlight, connections, done: 0, elapsedMs: null, perSec: null, latencyMs: null, error, details: {} };
}
