import fs from 'node:fs';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Publisher } from '../producers/types.js';
import type { Database } from '../store/query.js';
import { epochNow } from './lib/arrivals.js';
import type { DbActivity } from './lib/db-activity.js';
import { paceCalls } from './lib/pacer.js';
import { summarize, type LatencySummary } from './lib/percentiles.js';
import type { Sink } from './lib/receivers.js';
import { startProgress } from './lib/stack.js';
import { benchEventType, type Payload } from './payload.js';

export interface FanOutResult {
  readonly label: string;
  readonly destinations: number;
  /** Events/s asked for. */
  readonly rate: number;
  readonly seconds: number;
  readonly published: number;
  /** Events acknowledged × destinations per second of publishing. */
  readonly offeredPerSec: number | null;
  readonly expected: number;
  readonly delivered: number;
  /** Deliveries that arrived while publishing, per second of publishing. */
  readonly duringPublishPerSec: number | null;
  /** Deliveries per second from the first publish to the last arrival. */
  readonly perSec: number | null;
  readonly latencyMs: LatencySummary | null;
  /** From the last publish acknowledged to the last arrival. */
  readonly drainMs: number | null;
  /** The database's transactions from the first publish to the end of the drain, per delivery: approximate, as statistics reach pg_stat_database a second or more late, and the idle claims are in it. */
  readonly transactionsPerDelivery: number | null;
  /** Attempts of the run's deliveries that did not succeed, and the first one's error. */
  readonly failedAttempts: number | null;
  readonly firstAttemptError: string | null;
  /** File descriptors this process held at most, sampled every 500 ms (null without /proc): each webhook connection takes one here and one at the receiver. */
  readonly maxOpenFiles: number | null;
  readonly error: string | null;
}

export interface FanOutContext {
  /** An open connection to the scenario's database (a new one may find no file descriptor left). */
  readonly db: Database;
  readonly activity: DbActivity;
  readonly receiver: Sink;
  readonly publisher: Publisher;
  readonly payload: Payload;
}

/**
 * One fan-out run of the width scenario (width.ts): `rate` events/s of `organizationId` for
 * `seconds`, then up to `drainSeconds` for the `destinations` deliveries of each to arrive.
 */
export async function measureFanOut(
  context: FanOutContext,
  run: {
    readonly seconds: number;
    readonly drainSeconds: number;
    /** SDK publishes kept in flight. */
    readonly window: number;
    readonly label: string;
    readonly rate: number;
    readonly destinations: number;
    readonly organizationId: string;
  },
): Promise<FanOutResult> {
  const { receiver, publisher, payload, activity } = context;
  await receiver.reset(true);
  const publishedAt = new Map<string, number>();
  const before = await activity.read();
  let expected = 0;
  const files = sampleOpenFiles();
  const progress = startProgress(
    (s) => `width: ${Math.round(s)} s: ${publishedAt.size} published, ${receiver.count()}/${expected} delivered`,
  );
  const paced = await paceCalls(
    run.rate,
    run.seconds,
    run.window,
    (i) => {
      const event = payload.event(i);
      const data = { ...event.data, organization_id: run.organizationId };
      return publisher.publish(benchEventType, { ...event, organization_id: run.organizationId, data });
    },
    (result) => {
      publishedAt.set(result.eventId, epochNow());
      expected = publishedAt.size * run.destinations;
    },
  );
  // Epoch times of the first publish and of the last acknowledgement, the arrivals' clock.
  const toEpoch = (at: number) => epochNow() - (performance.now() - at);
  const firstPublish = toEpoch(paced.startedAt);
  const publishEnd = toEpoch(paced.endedAt);
  const deadline = performance.now() + run.drainSeconds * 1000;
  while (receiver.count() < expected && performance.now() < deadline) await sleep(100);
  progress.stop();
  const maxOpenFiles = files.stop();
  // Read, not thrown: what the run measured is kept even when the database cannot be asked.
  let readError: string | null = null;
  const noted = (error: unknown) => {
    readError ??= `reading the database after the run failed: ${(error as Error).message}`;
    return null;
  };
  const after = await activity.read().catch(noted);
  const attempts = await context.db
    .query<{ n: number; first: string | null }>(
      `select count(*)::int as n, min(a.error) as first from delivery_attempts a join deliveries d on d.id = a.delivery_id
        where d.organization_id = $1 and a.outcome <> 'succeeded'`,
      [run.organizationId],
    )
    .then((result) => result.rows[0] ?? null, noted);
  const arrivals = await receiver.collect();

  const latencies = new Float64Array(arrivals.times.length);
  let delivered = 0;
  let duringPublish = 0;
  let lastArrival = firstPublish;
  for (let i = 0; i < arrivals.times.length; i++) {
    const sentAt = publishedAt.get(arrivals.eventIds[i] as string);
    const at = arrivals.times[i] as number;
    if (sentAt === undefined) continue;
    latencies[delivered++] = at - sentAt;
    if (at <= publishEnd) duringPublish++;
    lastArrival = Math.max(lastArrival, at);
  }
  const publishMs = publishEnd - firstPublish;
  const problems = [
    paced.failed > 0 ? `${paced.failed} publishes failed (first: ${paced.firstError ?? ''})` : '',
    paced.sent < paced.scheduled ? `the publisher sent ${paced.sent} of ${paced.scheduled} events in time` : '',
    delivered < expected ? `${expected - delivered} of ${expected} deliveries had not arrived ${run.drainSeconds} s after publishing` : '',
    readError ?? '',
  ].filter((problem) => problem !== '');
  return {
    label: run.label,
    destinations: run.destinations,
    rate: run.rate,
    seconds: run.seconds,
    published: publishedAt.size,
    offeredPerSec: publishMs > 0 ? ((publishedAt.size * run.destinations) / publishMs) * 1000 : null,
    expected,
    delivered,
    duringPublishPerSec: publishMs > 0 ? (duringPublish / publishMs) * 1000 : null,
    perSec: lastArrival > firstPublish ? (delivered / (lastArrival - firstPublish)) * 1000 : null,
    latencyMs: summarize(latencies.subarray(0, delivered)),
    drainMs: delivered > 0 ? Math.max(0, lastArrival - publishEnd) : null,
    transactionsPerDelivery: after !== null && delivered > 0 ? (after.transactions - before.transactions) / delivered : null,
    failedAttempts: attempts?.n ?? null,
    firstAttemptError: attempts?.first ?? null,
    maxOpenFiles,
    error: problems.length > 0 ? problems.join('; ') : null,
  };
}

/** The most file descriptors this process held, sampled every 500 ms until `stop()`; null where /proc is missing. */
function sampleOpenFiles(): { stop(): number | null } {
  let max: number | null = null;
  const sample = () => {
    try {
      max = Math.max(max ?? 0, fs.readdirSync('/proc/self/fd').length);
    } catch {
      // No /proc: the figure stays null.
    }
  };
  sample();
  const timer = setInterval(sample, 500);
  return {
    stop() {
      clearInterval(timer);
      sample();
      return max;
    },
  };
}
