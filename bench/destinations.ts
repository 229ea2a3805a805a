import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import type pg from 'pg';
import { loadConfig } from '../adapters/config.js';
import { createPool } from '../adapters/database.js';
import { migratePool } from '../adapters/migrate.js';
import { streamerDefaults, type Streamer } from '../consumers/streamer/index.js';
import { createDestinationId } from '../core/destination-rules.js';
import { createPublisher } from '../producers/publisher.js';
import type { Publisher } from '../producers/types.js';
import { insertDestination } from '../store/destinations.js';
import { destinationBenchCases, type BenchTarget, type DestinationBenchCase } from './destinations/index.js';
import { figure, tableLines } from './lib/format.js';
import {
  createBenchTopics,
  publishWindowed,
  registerBenchSchemas,
  removeScenarioState,
  startBenchStreamer,
  startCountProgress,
  untilConsuming,
  withCleanup,
  type Cleanable,
  type ScenarioStack,
  type StreamerSettings,
} from './lib/stack.js';
import { readBodies } from './streamer.js';
import { benchEntity, benchEventType, benchService, buildPayload, type Payload } from './payload.js';

/**
 * The destinations scenario: for each type of bench/destinations/index.ts, N events published and
 * delivered by the streamer to one destination of that type on the machine's own server (timed
 * from the first publish until the target holds N messages), beside the ceiling, the type's own
 * client writing the same N bodies straight to the same server with the same acknowledgement, as
 * many unacknowledged as the streamer may have (its concurrency × its group size). Only measures.
 */
export interface DestinationsBenchOptions extends ScenarioStack, Cleanable {
  /** Events per type (N). */
  readonly events: number;
  /** The types to measure, of bench/destinations/index.ts. */
  readonly types: readonly string[];
  /** SDK publishes kept in flight. */
  readonly window: number;
  /** `bench_<random>_destinations`: created, migrated and dropped by the scenario. */
  readonly schema: string;
  readonly streamer: StreamerSettings;
}

export interface DestinationsResult {
  readonly type: string;
  readonly events: number;
  /** Deliveries per second through the streamer, and the direct client's messages per second; null when a run failed. */
  readonly deliveriesPerSec: number | null;
  readonly ceilingPerSec: number | null;
  readonly error: string | null;
}

export interface DestinationsReport {
  readonly scenario: 'destinations';
  readonly events: number;
  readonly bodyBytes: number | null;
  readonly results: readonly DestinationsResult[];
}

const organizationId = 'org_bench';
/** A run that sees no new arrival for this long reports what it has. */
const stallMs = 60_000;

export async function runDestinationsBench(options: DestinationsBenchOptions): Promise<DestinationsReport> {
  const { logger, schema } = options;
  const groupId = `${options.topicPrefix}.destinations`;
  const pool = createPool({ url: options.databaseUrl, schema, max: 2, applicationName: 'evp-bench-destinations', logger });
  let streamer: Streamer | undefined;
  let publisher: Publisher | undefined;
  const cleanup = async (): Promise<void> => {
    await publisher?.close().catch(() => undefined);
    await streamer?.stop().catch((error: unknown) => logger.warn({ err: error }, 'stopping the streamer failed'));
    await pool.end().catch(() => undefined);
    await removeScenarioState(options, [groupId], [schema]);
  };
  return withCleanup(options, cleanup, async () => {
    await createBenchTopics(options.admin, options.topicPrefix, [benchEntity], options.partitions, 3_600_000);
    await registerBenchSchemas(options, [benchEntity]);
    await migratePool(pool, schema, logger);
    const payload = await buildPayload(options.targetValueBytes, options.keys);
    publisher = createPublisher(loadConfig({ ...options.env, TOPIC_PREFIX: options.topicPrefix }), { service: benchService, logger });
    streamer = await startBenchStreamer(options, groupId, options.streamer);
    await untilConsuming(streamer.port, 'streamer', 60_000);
    const results: DestinationsResult[] = [];
    let bodyBytes: number | null = null;
    for (const benchCase of destinationBenchCases.filter((candidate) => options.types.includes(candidate.type))) {
      const outcome = await runCase(options, benchCase, pool, publisher, payload);
      bodyBytes ??= outcome.bodyBytes;
      results.push(outcome.result);
    }
    return { scenario: 'destinations', events: options.events, bodyBytes, results };
  });
}

async function runCase(
  options: DestinationsBenchOptions,
  benchCase: DestinationBenchCase,
  pool: pg.Pool,
  publisher: Publisher,
  payload: Payload,
): Promise<{ result: DestinationsResult; bodyBytes: number | null }> {
  const n = options.events;
  const name = `bench_${benchCase.type}_${randomBytes(3).toString('hex')}`;
  let target: BenchTarget | undefined;
  let destinationId: string | undefined;
  const failed = (error: unknown) => ({
    result: { type: benchCase.type, events: n, deliveriesPerSec: null, ceilingPerSec: null, error: (error as Error).message },
    bodyBytes: null,
  });
  try {
    target = await benchCase.open(name);
    destinationId = createDestinationId();
    await insertDestination(pool, {
      id: destinationId,
      organization_id: organizationId,
      type: benchCase.type,
      secret: null,
      description: `bench ${benchCase.type}`,
      active: true,
      event_types: ['*'],
      severities: null,
      entity_types: null,
      ordering: 'none',
      settings: target.settings,
      credentials: null,
      max_concurrency: null,
      rate_limit_per_second: null,
      retry_schedule_ms: null,
      filter: null,
      payload: null,
    });
    // Untimed: the streamer loads the destination and connects; one event through it.
    await publisher.publish(benchEventType, payload.event(n));
    if ((await until(target, 1, 60_000)) < 1) throw new Error(`the warm-up event did not reach the ${benchCase.type} target in 60 s`);
    await target.reset();

    const progress = startCountProgress(`${benchCase.type} streamer`, n, () => lastCount, 'delivered', 'deliveries/s');
    let lastCount = 0;
    const started = performance.now();
    const publishing = publishWindowed(
      n,
      options.window,
      (i) => publisher.publish(benchEventType, payload.event(i)),
      () => undefined,
    );
    const arrived = await until(target, n, options.streamer.timeoutMs + 30 * 60_000, (count) => (lastCount = count));
    const elapsedMs = performance.now() - started;
    progress.stop();
    const publishFailure = await publishing;
    await pool.query('update destinations set active = false where id = $1', [destinationId]);

    const bodies = (await readBodies(pool, destinationId)).map((body) => Buffer.from(body));
    const inFlight = options.streamer.maxConcurrency * streamerDefaults.groupSize;
    await target.reset();
    const ids = Array.from({ length: n }, (_, i) => `${name}_ceiling_${i}`);
    const ceilingStarted = performance.now();
    await target.ceiling(bodies, ids, inFlight);
    const ceilingMs = performance.now() - ceilingStarted;
    const problems = [
      publishFailure === undefined ? '' : `publishing failed: ${(publishFailure as Error).message}`,
      arrived < n ? `${arrived} of ${n} deliveries arrived` : '',
    ].filter((problem) => problem !== '');
    return {
      result: {
        type: benchCase.type,
        events: n,
        deliveriesPerSec: (arrived / elapsedMs) * 1000,
        ceilingPerSec: (n / ceilingMs) * 1000,
        error: problems.length > 0 ? problems.join('; ') : null,
      },
      bodyBytes: bodies[0]?.length ?? null,
    };
  } catch (error) {
    return failed(error);
  } finally {
    if (destinationId !== undefined)
      await pool.query('update destinations set active = false where id = $1', [destinationId]).catch(() => undefined);
    await target?.close().catch(() => undefined);
  }
}

/** Polls the target until it holds `count` messages, or nothing new arrived for `stallMs`, or `timeoutMs` passed. */
async function until(
  target: BenchTarget,
  count: number,
  timeoutMs: number,
  seen: (count: number) => void = () => undefined,
): Promise<number> {
  const started = performance.now();
  let last = -1;
  let lastChange = started;
  for (;;) {
    const received = await target.received();
    seen(received);
    const now = performance.now();
    if (received >= count || now - started > timeoutMs) return received;
    if (received !== last) {
      last = received;
      lastChange = now;
    } else if (now - lastChange > stallMs) return received;
    await sleep(50);
  }
}

export function renderDestinationsTable(report: DestinationsReport): string {
  const header = ['type', 'events', 'streamer deliveries/s', "target's own client msgs/s", 'streamer / client', 'note'];
  const rows = report.results.map((result) => [
    result.type,
    figure(result.events),
    figure(result.deliveriesPerSec),
    figure(result.ceilingPerSec),
    result.deliveriesPerSec !== null && result.ceilingPerSec
      ? `${Math.round((result.deliveriesPerSec / result.ceilingPerSec) * 100)}%`
      : '-',
    result.error ?? '',
  ]);
  return [
    `destinations: ${figure(report.events)} events per type to one destination each (JSON body ${figure(report.bodyBytes)} B), beside the target's own client writing the same bodies`,
    ...tableLines(header, rows),
  ].join('\n');
}
