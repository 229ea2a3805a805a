import { performance } from 'node:perf_hooks';
import { Pool } from 'undici';
import { loadConfig } from '../adapters/config.js';
import { createPool } from '../adapters/database.js';
import { migratePool } from '../adapters/migrate.js';
import type { Api } from '../api/index.js';
import { createApiKey } from '../core/api-keys.js';
import { entityTopic } from '../core/topics.js';
import { createPublisher } from '../producers/publisher.js';
import type { BatchEvent, Publisher } from '../producers/types.js';
import { createApiKeyRow } from '../store/api-keys.js';
import { batchCount, batchRange, runOnLanes } from './lib/batches.js';
import { summarize, type LatencySummary } from './lib/percentiles.js';
import {
  createBenchTopics,
  removeScenarioState,
  startBenchApi,
  startCountProgress,
  withCleanup,
  type Cleanable,
  type ScenarioStack,
} from './lib/stack.js';
import { benchEntity, benchEventType, benchService, buildPayload, type Payload } from './payload.js';

/**
 * The ingest scenario: the same N events published through HTTP ingest (`POST
 * /api/v1/events/batch`, answered once Kafka acknowledged every event) and through the SDK
 * (`publishBatch`), in batches of the same size with as many in flight as there are HTTP
 * connections, each side to fresh topics of its own. The API runs in this process with a
 * publisher of its own, made as the SDK side's is. Only measures; nothing here asserts on time.
 */
export interface IngestOptions extends ScenarioStack, Cleanable {
  readonly events: number;
  /** Events per request, and per publishBatch call. */
  readonly batchSize: number;
  /** Keep-alive HTTP connections, and publishBatch calls in flight. */
  readonly connections: number;
  /** `bench_<random>_ingest`: created, migrated (for the API key) and dropped by the scenario. */
  readonly schema: string;
}

export type IngestClient = 'http' | 'sdk';

export interface IngestResult {
  readonly scenario: string;
  readonly client: IngestClient;
  readonly topic: string;
  readonly events: number;
  readonly requests: number;
  readonly elapsedMs: number | null;
  readonly eventsPerSec: number | null;
  /** Per request (HTTP) or per publishBatch call (SDK), from sending to the answer. */
  readonly latencyMs: LatencySummary | null;
  /** CPU time of this process (API, publishers and load alike) per second of the run. */
  readonly cpuCores: number | null;
  /** Share of the run the main thread's event loop was busy. */
  readonly eventLoopBusy: number | null;
  readonly error: string | null;
}

export interface IngestReport {
  readonly scenario: 'ingest';
  readonly events: number;
  readonly batchSize: number;
  readonly connections: number;
  readonly partitions: number;
  readonly valueBytes: number;
  /** Bytes of one request's JSON body (the first batch). */
  readonly bodyBytes: number;
  readonly results: readonly IngestResult[];
}

/** A bench event as HTTP ingest takes it: the SDK's, typed, without the organization (the key's). */
function httpEvent(payload: Payload, index: number) {
  const { organization_id: _organization, ...event } = payload.event(index);
  return { type: benchEventType, ...event };
}

function httpBody(payload: Payload, index: number, options: IngestOptions): string {
  const { start, end } = batchRange(index, options.batchSize, options.events);
  return JSON.stringify({ events: Array.from({ length: end - start }, (_, i) => httpEvent(payload, start + i)) });
}

function sdkBatch(payload: Payload, index: number, options: IngestOptions) {
  const { start, end } = batchRange(index, options.batchSize, options.events);
  return Array.from({ length: end - start }, (_, i): BatchEvent => ({ type: benchEventType, ...payload.event(start + i) }));
}

/** A publisher to fresh `<prefix>.invoice` topics, made alike for both sides (the registry subject registered on first use). */
async function freshPublisher(options: IngestOptions, prefix: string): Promise<{ publisher: Publisher; topic: string }> {
  await createBenchTopics(options.admin, prefix, [benchEntity], options.partitions, 3_600_000);
  const config = loadConfig({ ...options.env, TOPIC_PREFIX: prefix });
  return {
    publisher: createPublisher(config, { service: benchService, autoRegister: true, logger: options.logger }),
    topic: entityTopic(prefix, benchEntity),
  };
}

/** Times `send(batch)` over every batch on `options.connections` lanes, with this process's CPU and event-loop use meanwhile. */
async function measure(
  options: IngestOptions,
  base: Pick<IngestResult, 'scenario' | 'client' | 'topic'>,
  send: (batch: number) => Promise<void>,
): Promise<IngestResult> {
  const requests = batchCount(options.events, options.batchSize);
  const latencies = new Float64Array(requests);
  let done = 0;
  let acked = 0;
  const progress = startCountProgress(`ingest ${base.scenario}`, options.events, () => acked, 'acknowledged');
  const cpu = process.cpuUsage();
  const loop = performance.eventLoopUtilization();
  const started = performance.now();
  try {
    await runOnLanes(requests, options.connections, async (batch) => {
      const sentAt = performance.now();
      await send(batch);
      latencies[done++] = performance.now() - sentAt;
      const { start, end } = batchRange(batch, options.batchSize, options.events);
      acked += end - start;
    });
  } catch (error) {
    return {
      ...base,
      events: acked,
      requests: done,
      elapsedMs: null,
      eventsPerSec: null,
      latencyMs: null,
      cpuCores: null,
      eventLoopBusy: null,
      error: `${acked} of ${options.events} acknowledged; first failure: ${(error as Error).message}`,
    };
  } finally {
    progress.stop();
  }
  const elapsedMs = performance.now() - started;
  const used = process.cpuUsage(cpu);
  return {
    ...base,
    events: options.events,
    requests,
    elapsedMs,
    eventsPerSec: (options.events / elapsedMs) * 1000,
    latencyMs: summarize(latencies),
    cpuCores: (used.user + used.system) / 1000 / elapsedMs,
    eventLoopBusy: performance.eventLoopUtilization(loop).utilization,
    error: null,
  };
}

export async function runIngest(options: IngestOptions): Promise<IngestReport> {
  const { logger, schema } = options;
  const payload = await buildPayload(options.targetValueBytes, options.keys);
  const pool = createPool({ url: options.databaseUrl, schema, max: 2, applicationName: 'evp-bench-ingest', logger });
  const publishers: Publisher[] = [];
  let api: Api | undefined;
  let http: Pool | undefined;
  const cleanup = async (): Promise<void> => {
    await http?.destroy().catch(() => undefined);
    await api?.stop().catch((error: unknown) => logger.warn({ err: error }, 'stopping the API failed'));
    await Promise.all(publishers.map((publisher) => publisher.close().catch(() => undefined)));
    await pool.end().catch(() => undefined);
    await removeScenarioState(options, [], [schema]);
  };
  const bodyBytes = Buffer.byteLength(httpBody(payload, 0, options));
  process.stderr.write(
    `bench: ingest ${options.events} × ${benchEventType} (value ${payload.valueBytes} B, request body ${bodyBytes} B), ` +
      `${options.batchSize} per request over ${options.connections} connections, then through the SDK alike\n`,
  );

  return withCleanup(options, cleanup, async () => {
    // Set-up (untimed): the API key's table and a key, the API with its publisher, one batch each way to connect and register.
    await migratePool(pool, schema, logger);
    const key = createApiKey();
    await createApiKeyRow(pool, key, 'org_bench', 'bench', ['events:write']);
    const viaApi = await freshPublisher(options, `${options.topicPrefix}.http`);
    publishers.push(viaApi.publisher);
    api = await startBenchApi(options, viaApi.publisher);
    http = new Pool(`http://127.0.0.1:${api.port}`, { connections: options.connections });
    const client = http;
    const headers = { authorization: `Bearer ${key.key}`, 'content-type': 'application/json' };
    const post = async (batch: number) => {
      const response = await client.request({
        path: '/api/v1/events/batch',
        method: 'POST',
        headers,
        body: httpBody(payload, batch, options),
      });
      const text = await response.body.text();
      if (response.statusCode !== 200) throw new Error(`POST /api/v1/events/batch answered ${response.statusCode}: ${text.slice(0, 300)}`);
    };
    const viaSdk = await freshPublisher(options, `${options.topicPrefix}.sdk`);
    publishers.push(viaSdk.publisher);
    const publish = async (batch: number) => void (await viaSdk.publisher.publishBatch(sdkBatch(payload, batch, options)));
    await post(0);
    await publish(0);

    const results = [
      await measure(options, { scenario: 'HTTP ingest', client: 'http', topic: viaApi.topic }, post),
      await measure(options, { scenario: 'SDK publishBatch', client: 'sdk', topic: viaSdk.topic }, publish),
    ];
    for (const result of results)
      if (result.error !== null) process.stderr.write(`bench: WARNING ingest ${result.scenario}: ${result.error}\n`);
    return {
      scenario: 'ingest',
      events: options.events,
      batchSize: options.batchSize,
      connections: options.connections,
      partitions: options.partitions,
      valueBytes: payload.valueBytes,
      bodyBytes,
      results,
    };
  });
}
