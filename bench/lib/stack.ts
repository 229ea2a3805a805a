import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Admin } from 'kafkajs';
import pg from 'pg';
import type { Logger } from '../../adapters/logger.js';
import { createRegistryClient, type RegistryClient } from '../../adapters/registry.js';
import type { Ingest } from '../../api/context.js';
import { type Api, startApi } from '../../api/index.js';
import { startMaterializer, type Materializer } from '../../consumers/materializer/index.js';
import { startStreamer, type Streamer } from '../../consumers/streamer/index.js';
import { createDestinationId } from '../../core/destination-rules.js';
import { createSecretBox } from '../../core/secret-box.js';
import { createWebhookSecret } from '../../core/webhook-signature.js';
import { ensureTopics } from '../../producers/ensure-topics.js';
import { readEventSchemas } from '../../schemas/event-schemas.js';
import { registerSchemas } from '../../schemas/governance.js';
import { catchAllWebhook, insertDestination } from '../../store/destinations.js';
import type { Database } from '../../store/query.js';

/**
 * What the scenarios set up the same way: their topics and schemas, PostgreSQL schemas of their
 * own, the services started in this process, a webhook destination, and the waits around them.
 */

/** The key a scenario's API and streamer share for webhook secrets at rest (a new one per run). */
export const benchSecretKey = randomBytes(32);
export const benchSecretBox = createSecretBox(benchSecretKey);

/** What every scenario over its own topics and PostgreSQL schema is given by bench/run.ts. */
export interface ScenarioStack {
  /** Distinct entity ids (Kafka keys) per entity. */
  readonly keys: number;
  readonly partitions: number;
  /** The Avro value size the events are padded to. */
  readonly targetValueBytes: number;
  /** Every topic (and registry subject) the scenario creates starts with `<topicPrefix>.`. */
  readonly topicPrefix: string;
  /** The environment the SDK's config is loaded from (endpoints of the stack). */
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly brokers: readonly string[];
  readonly schemaRegistryUrl: string;
  readonly databaseUrl: string;
  readonly admin: Admin;
  readonly logger: Logger;
}

/** A scenario's hook for bench/run.ts: what stops its services and clients and drops its schemas, so an interrupted run can clean up. */
export interface Cleanable {
  readonly onCleanup?: (cleanup: (() => Promise<void>) | undefined) => void;
}

/** The materializer's settings (`MATERIALIZER_*`, `EVENT_RETENTION_DAYS`). */
export interface MaterializerSettings {
  readonly batchSize: number;
  readonly lingerMs: number;
  readonly concurrency: number;
  readonly retentionDays: number;
}

/** The streamer's settings (`STREAMER_*`, `DELIVERY_RETENTION_DAYS`). */
export interface StreamerSettings {
  readonly retryScheduleMs: readonly number[];
  readonly maxConcurrency: number;
  readonly timeoutMs: number;
  readonly disableAfterMs: number;
  readonly retentionDays: number;
}

/** Where a scenario's services run: the stack's endpoints, the scenario's topics and its PostgreSQL schema. */
export type ServicePlace = Pick<ScenarioStack, 'brokers' | 'schemaRegistryUrl' | 'databaseUrl' | 'topicPrefix' | 'logger'> & {
  readonly schema: string;
};

/** `<prefix>.<entity>` topics (and their dead-letter siblings) with the pipeline's own settings. */
export async function createBenchTopics(
  admin: Admin,
  topicPrefix: string,
  entities: readonly string[],
  partitions: number,
  retentionMs: number,
): Promise<void> {
  await ensureTopics(admin, topicPrefix, entities, { partitions, retentionMs, deadLetterRetentionMs: retentionMs });
}

/** The entities' schemas under the scenario's subjects, as `evp schemas register` makes them. */
export async function registerBenchSchemas(stack: ScenarioStack, entities: readonly string[]): Promise<RegistryClient> {
  const registry = createRegistryClient({ url: stack.schemaRegistryUrl });
  await registerSchemas({
    registry,
    topicPrefix: stack.topicPrefix,
    schemas: new Map([...readEventSchemas()].filter(([entity]) => entities.includes(entity))),
  });
  return registry;
}

/** What the materializer and the streamer are started with alike: the place, their group, metrics on a free port. */
function consumerOptions(place: ServicePlace, groupId: string, service: string) {
  return {
    kafkaBrokers: place.brokers,
    schemaRegistryUrl: place.schemaRegistryUrl,
    databaseUrl: place.databaseUrl,
    databaseSchema: place.schema,
    topicPrefix: place.topicPrefix,
    groupId,
    logger: place.logger.child({ service }),
    port: 0,
  };
}

export function startBenchMaterializer(place: ServicePlace, groupId: string, settings: MaterializerSettings): Promise<Materializer> {
  return startMaterializer({ ...consumerOptions(place, groupId, 'materializer'), ...settings });
}

/** The streamer, allowed to deliver to the bench's receivers on 127.0.0.1. */
export function startBenchStreamer(place: ServicePlace, groupId: string, settings: StreamerSettings): Promise<Streamer> {
  return startStreamer({
    ...consumerOptions(place, groupId, 'streamer'),
    allowedHosts: ['127.0.0.1'],
    secretBox: benchSecretBox,
    ...settings,
  });
}

/** The API on a free port of 127.0.0.1, logging warnings only; with `ingest`, it takes events over HTTP. */
export function startBenchApi(place: Omit<ServicePlace, 'brokers'>, ingest?: Ingest): Promise<Api> {
  return startApi({
    databaseUrl: place.databaseUrl,
    databaseSchema: place.schema,
    schemaRegistryUrl: place.schemaRegistryUrl,
    topicPrefix: place.topicPrefix,
    logger: place.logger.child({ service: 'api' }, { level: 'warn' }),
    port: 0,
    host: '127.0.0.1',
    secretBox: benchSecretBox,
    ingest,
  });
}

/** Until something answers HTTP on `port` (the API, started as a process of its own). */
export async function untilListening(port: number, service: string, timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    if (
      await fetch(`http://127.0.0.1:${port}/healthz`).then(
        () => true,
        () => false,
      )
    )
      return;
    await sleep(100);
  }
  throw new Error(`the ${service} did not listen within ${timeoutMs / 1000} s`);
}

/** Until the service on `port` reports on /healthz that it consumes (it joined its group). */
export async function untilConsuming(port: number, service: string, timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    const response = await fetch(`http://127.0.0.1:${port}/healthz`).catch(() => undefined);
    const body = response ? ((await response.json().catch(() => ({}))) as { consuming?: boolean }) : {};
    if (body.consuming === true) return;
    await sleep(100);
  }
  throw new Error(`the ${service} did not join its group within ${timeoutMs / 1000} s`);
}

/** The service's /metrics, read once: a metric's samples summed over their labels. */
export async function readMetrics(port: number): Promise<(name: string) => number> {
  const response = await fetch(`http://127.0.0.1:${port}/metrics`);
  const lines = (await response.text()).split('\n');
  return (name) => {
    let total = 0;
    for (const line of lines) {
      if (line.startsWith(`${name}{`) || line.startsWith(`${name} `)) total += Number(line.slice(line.lastIndexOf(' ') + 1));
    }
    return total;
  };
}

/** A webhook destination of `organizationId` to `url`, every event type, its secret sealed as the API stores it. */
export async function createWebhookDestination(
  db: Database,
  organizationId: string,
  url: string,
  description: string,
): Promise<{ readonly id: string; readonly url: string; readonly secret: string }> {
  const id = createDestinationId();
  const secret = createWebhookSecret();
  const row = await insertDestination(db, {
    id,
    organization_id: organizationId,
    type: 'webhook',
    secret: benchSecretBox.seal(secret, id),
    ...catchAllWebhook(url, description),
  });
  return { id: row.id, url, secret };
}

/**
 * Runs a scenario's `body` with `cleanup` handed to bench/run.ts (for an interrupted run), then
 * cleans up once, however the body ended.
 */
export async function withCleanup<T>(options: Cleanable, cleanup: () => Promise<void>, body: () => Promise<T>): Promise<T> {
  let cleaning: Promise<void> | undefined;
  const once = () => (cleaning ??= cleanup());
  options.onCleanup?.(once);
  try {
    return await body();
  } finally {
    await once();
    options.onCleanup?.(undefined);
  }
}

/** Deletes a scenario's consumer groups and drops its PostgreSQL schemas; a failure is logged, not thrown. */
export async function removeScenarioState(
  stack: Pick<ScenarioStack, 'databaseUrl' | 'logger'> & { readonly admin?: Admin },
  groups: readonly string[],
  schemas: readonly string[],
): Promise<void> {
  const { logger } = stack;
  if (stack.admin && groups.length > 0)
    await stack.admin
      .deleteGroups([...groups])
      .catch((error: unknown) => logger.debug({ err: error }, 'deleting the bench consumer groups failed'));
  await dropSchemas(stack.databaseUrl, schemas).catch((error: unknown) => logger.warn({ err: error }, 'dropping the bench schemas failed'));
}

/** A client of its own whose statements run in `schema`. */
export async function connect(url: string, schema: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url, application_name: 'evp-bench', options: `-c search_path=${schema}` });
  await client.connect();
  return client;
}

export async function dropSchemas(url: string, schemas: readonly string[]): Promise<void> {
  const client = new pg.Client({ connectionString: url, application_name: 'evp-bench' });
  await client.connect();
  try {
    for (const schema of schemas) await client.query(`drop schema if exists ${pg.escapeIdentifier(schema)} cascade`);
  } finally {
    await client.end();
  }
}

/** `line(seconds since the start)` on stderr every 5 s while a step runs. */
export function startProgress(line: (seconds: number) => string): { stop(): void } {
  const started = performance.now();
  const timer = setInterval(() => process.stderr.write(`  ${line((performance.now() - started) / 1000)}\n`), 5_000);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}

/** `<what>: <done>/<total> <verb>, <rate> <unit> so far` every 5 s. */
export function startCountProgress(what: string, total: number, done: () => number, verb: string, unit = 'events/s'): { stop(): void } {
  return startProgress((seconds) => `${what}: ${done()}/${total} ${verb}, ${Math.round(done() / seconds)} ${unit} so far`);
}

/**
 * Calls `publish(i)` for i = 0…n−1 with at most `window` unresolved, `onAck` as each resolves
 * (with the time it was called). Stops sending at the first failure; resolves, once none is in
 * flight, with that failure (undefined when there was none).
 */
export async function publishWindowed<R>(
  n: number,
  window: number,
  publish: (index: number) => Promise<R>,
  onAck: (result: R, sentAt: number) => void,
): Promise<unknown> {
  let inFlight = 0;
  let failure: unknown;
  let wake: (() => void) | undefined;
  for (let i = 0; i < n && failure === undefined; i++) {
    while (inFlight >= window) await new Promise<void>((resolve) => (wake = resolve));
    inFlight++;
    const sentAt = performance.now();
    void publish(i)
      .then(
        (result) => onAck(result, sentAt),
        (error: unknown) => {
          failure ??= error;
        },
      )
      .finally(() => {
        inFlight--;
        const resume = wake;
        wake = undefined;
        resume?.();
      });
  }
  while (inFlight > 0) await new Promise<void>((resolve) => (wake = resolve));
  return failure;
}
