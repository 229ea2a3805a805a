import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Admin } from '../adapters/kafka/index.js';
import { loadConfig } from '../adapters/config.js';
import type { Logger } from '../adapters/logger.js';
import { entityTopic } from '../core/topics.js';
import { createLaneProducer, type ProduceRecord } from '../adapters/kafka/index.js';
import { publisherDefaults, type PublisherOptions } from '../producers/options.js';
import { createPublisher } from '../producers/publisher.js';
import { runKafkaTool, type KafkaTools } from './lib/kafka-tool.js';
import { mean, nearestRank, sortedCopy } from './lib/percentiles.js';
import { createBenchTopics, publishWindowed, startCountProgress } from './lib/stack.js';
import { benchEntity, benchEventType, benchService, buildPayload, encodeForSizing, type Payload } from './payload.js';

/**
 * The produce scenario: N events of a fixed size, acks=all, each run to a fresh topic of its own,
 * through the SDK (`createPublisher`) and through Kafka's own ProducerPerformance, with gzip and
 * without compression. Only measures; nothing here asserts on time.
 */
export type Compression = 'gzip' | 'none';

export interface ProduceOptions {
  readonly events: number;
  /** Distinct entity ids (Kafka keys). */
  readonly keys: number;
  readonly partitions: number;
  /** Un-acknowledged SDK publishes kept in flight. */
  readonly window: number;
  readonly targetValueBytes: number;
  readonly compressions: readonly Compression[];
  /** `bench.<random>`: every topic the scenario creates starts with it. */
  readonly topicPrefix: string;
  /** The environment the SDK's config is loaded from (endpoints of the stack). */
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly brokers: readonly string[];
  readonly admin: Admin;
  readonly logger: Logger;
  /** ProducerPerformance's launcher, or why it cannot run. */
  readonly producerPerformance: KafkaTools;
  /** The broker's log.dirs when it is the local stack's: the bytes each topic takes on disk are read from it. */
  readonly kafkaDataDir: string | undefined;
  /** Called with each ProducerPerformance process, so an interrupted run can stop it. */
  readonly onChild?: (child: ChildProcess | undefined) => void;
}

export interface LatencyMs {
  readonly avg: number;
  readonly p50: number;
  readonly p95: number;
  readonly p99: number;
  readonly max: number;
}

export interface ScenarioResult {
  readonly scenario: string;
  /** `sdk`: the publisher as shipped; `sdk-kafkajs`: the publisher on kafkajs with one request in flight (its former setup, the baseline); `raw`: the adapter's producers without the SDK. */
  readonly client: 'sdk' | 'sdk-kafkajs' | 'raw' | 'producer-perf';
  readonly compression: Compression;
  readonly topic: string;
  readonly events: number;
  readonly valueBytes: number;
  readonly elapsedMs: number | null;
  readonly eventsPerSec: number | null;
  /** Avro value payload only, MB = 10^6 bytes. */
  readonly mbPerSec: number | null;
  readonly latencyMs: LatencyMs | null;
  /** Bytes of the topic's log segments on the broker's disk afterwards (local stack only). */
  readonly logBytes: number | null;
  readonly error: string | null;
  readonly raw?: string;
}

export interface ProduceReport {
  readonly scenario: 'produce';
  readonly events: number;
  readonly partitions: number;
  readonly keys: number;
  readonly window: number;
  readonly record: { readonly valueBytes: number; readonly keyBytes: number; readonly headerBytes: number; readonly headerCount: number };
  readonly results: readonly ScenarioResult[];
}

export async function runProduce(options: ProduceOptions): Promise<ProduceReport> {
  const payload = await buildPayload(options.targetValueBytes, options.keys);
  process.stderr.write(
    `bench: produce ${options.events} × ${benchEventType}, value ${payload.valueBytes} B (+ key ${payload.keyBytes} B, ` +
      `${payload.headerCount} CloudEvents headers ${payload.headerBytes} B in the SDK), ${options.keys} keys, ` +
      `${options.partitions} partitions, acks=all\n`,
  );
  const results: ScenarioResult[] = [];
  for (const compression of options.compressions) {
    results.push(await runSdk(options, payload, compression, shipped));
    results.push(await runSdk(options, payload, compression, onKafkajs));
    results.push(await runRaw(options, payload, compression));
    results.push(await runProducerPerformance(options, payload, compression));
  }
  return {
    scenario: 'produce',
    events: options.events,
    partitions: options.partitions,
    keys: options.keys,
    window: options.window,
    record: {
      valueBytes: payload.valueBytes,
      keyBytes: payload.keyBytes,
      headerBytes: payload.headerBytes,
      headerCount: payload.headerCount,
    },
    results,
  };
}

/** A fresh `<prefix>.invoice` topic (and its dead-letter sibling) with the pipeline's own settings. */
async function freshTopic(options: ProduceOptions, prefix: string): Promise<string> {
  await createBenchTopics(options.admin, prefix, [benchEntity], options.partitions, 3_600_000);
  return entityTopic(prefix, benchEntity);
}

interface SdkSetup {
  readonly client: 'sdk' | 'sdk-kafkajs';
  readonly label: string;
  readonly publisher: Partial<PublisherOptions>;
}

/** The publisher as shipped (its defaults), and on kafkajs with one request in flight: what it was before, the baseline. */
const shipped: SdkSetup = { client: 'sdk', label: 'sdk', publisher: {} };
const onKafkajs: SdkSetup = {
  client: 'sdk-kafkajs',
  label: 'sdk on kafkajs, 1 in flight',
  publisher: { client: 'kafkajs', maxInFlightRequests: 1 },
};

async function runSdk(options: ProduceOptions, payload: Payload, compression: Compression, setup: SdkSetup): Promise<ScenarioResult> {
  const scenario = `${setup.label} ${compression}`;
  const prefix = `${options.topicPrefix}.${setup.client}-${compression}`;
  const topic = await freshTopic(options, prefix);
  const config = loadConfig({ ...options.env, TOPIC_PREFIX: prefix });
  const publisher = createPublisher(config, {
    service: benchService,
    autoRegister: true,
    compression,
    logger: options.logger,
    ...setup.publisher,
  });
  const base = { scenario, client: setup.client, compression, topic, events: options.events, valueBytes: payload.valueBytes } as const;
  try {
    // Untimed: connects the producer and admin, reads the topic's metadata, registers the schema.
    await publisher.publish(benchEventType, payload.event(0));

    const n = options.events;
    const latencies = new Float64Array(n);
    let acked = 0;
    let lastAck = 0;
    const progress = startCountProgress(scenario, n, () => acked, 'acknowledged');
    const started = performance.now();
    const failure = await publishWindowed(
      n,
      options.window,
      (i) => publisher.publish(benchEventType, payload.event(i)),
      (_, sentAt) => {
        lastAck = performance.now();
        latencies[acked++] = lastAck - sentAt;
      },
    );
    progress.stop();
    if (failure !== undefined) {
      return { ...empty(base), error: `${acked} of ${n} acknowledged; first failure: ${(failure as Error).message}` };
    }
    const elapsedMs = lastAck - started;
    const eventsPerSec = (n / elapsedMs) * 1000;
    return {
      ...base,
      elapsedMs,
      eventsPerSec,
      mbPerSec: (eventsPerSec * payload.valueBytes) / 1e6,
      latencyMs: latencyStats(latencies),
      logBytes: topicLogBytes(options.kafkaDataDir, topic, options.partitions),
      error: null,
    };
  } catch (error) {
    return { ...empty(base), error: (error as Error).message };
  } finally {
    await publisher.close().catch(() => undefined);
  }
}

/**
 * The SDK's own producers (adapters/kafka, its default client and lanes) sending records of the
 * same sizes, encoded beforehand, in requests of the SDK's batch size: what the SDK adds on top
 * (validation, encoding, buffering) is the difference. Each lane sends its share of the partitions
 * one request at a time, as the SDK's lanes do.
 */
async function runRaw(options: ProduceOptions, payload: Payload, compression: Compression): Promise<ScenarioResult> {
  const lanes = publisherDefaults.maxInFlightRequests;
  const scenario = `raw client, ${lanes} lanes ${compression}`;
  const prefix = `${options.topicPrefix}.raw-${compression}`;
  const topic = await freshTopic(options, prefix);
  const base = { scenario, client: 'raw', compression, topic, events: options.events, valueBytes: payload.valueBytes } as const;
  const encoded = await Promise.all(Array.from({ length: 256 }, (_, i) => encodeForSizing(benchEventType, payload.event(i))));
  const record = (i: number): ProduceRecord => {
    const { key, value, headers } = encoded[i % encoded.length] as (typeof encoded)[number];
    return { topic, partition: i % options.partitions, key, value, headers, timestamp: String(Date.now()) };
  };
  const sample = encoded[0] as (typeof encoded)[number];
  // The SDK's batch limits: so many events, so many bytes.
  const batch = Math.max(1, Math.min(publisherDefaults.batchMaxEvents, Math.floor(publisherDefaults.batchMaxBytes / sample.size)));
  const producers = Array.from({ length: lanes }, (_, lane) =>
    createLaneProducer(publisherDefaults.client, {
      brokers: options.brokers,
      clientId: `evp-bench-raw-${lane}`,
      compression,
      ackTimeoutMs: publisherDefaults.ackTimeoutMs,
      retry: publisherDefaults.retry,
      logger: options.logger,
    }),
  );
  try {
    // Untimed: connects each lane and reads the topic's metadata.
    await Promise.all(producers.map((producer, lane) => producer.send([record(lane)])));
    const started = performance.now();
    await Promise.all(
      producers.map(async (producer, lane) => {
        const mine: number[] = [];
        for (let i = 0; i < options.events; i++) if ((i % options.partitions) % lanes === lane) mine.push(i);
        for (let at = 0; at < mine.length; at += batch) await producer.send(mine.slice(at, at + batch).map(record));
      }),
    );
    const elapsedMs = performance.now() - started;
    const eventsPerSec = (options.events / elapsedMs) * 1000;
    return {
      ...base,
      elapsedMs,
      eventsPerSec,
      mbPerSec: (eventsPerSec * payload.valueBytes) / 1e6,
      latencyMs: null,
      logBytes: null,
      error: null,
    };
  } catch (error) {
    return { ...empty(base), error: (error as Error).message };
  } finally {
    await Promise.all(producers.map((producer) => producer.close().catch(() => undefined)));
  }
}

/** The summary line ProducerPerformance prints last. */
export const producerPerformanceSummary =
  /^(\d+) records sent, ([\d.]+) records\/sec \(([\d.]+) MB\/sec\), ([\d.]+) ms avg latency, ([\d.]+) ms max latency, (\d+) ms 50th, (\d+) ms 95th, (\d+) ms 99th, (\d+) ms 99\.9th\.$/;

async function runProducerPerformance(options: ProduceOptions, payload: Payload, compression: Compression): Promise<ScenarioResult> {
  const scenario = `ProducerPerformance ${compression}`;
  const prefix = `${options.topicPrefix}.perf-${compression}`;
  const base = {
    scenario,
    client: 'producer-perf',
    compression,
    topic: entityTopic(prefix, benchEntity),
    events: options.events,
    valueBytes: payload.valueBytes,
  } as const;
  const launcher = options.producerPerformance;
  if ('unavailable' in launcher) return { ...empty(base), error: launcher.unavailable };
  const topic = await freshTopic(options, prefix);

  const args = [
    '--topic',
    topic,
    '--num-records',
    String(options.events),
    '--record-size',
    String(payload.valueBytes),
    '--throughput',
    '-1',
    '--producer-props',
    `bootstrap.servers=${options.brokers.join(',')}`,
    'acks=all',
    `compression.type=${compression}`,
    'enable.idempotence=true',
    `client.id=evp-bench-perf-${compression}`,
  ];
  const run = await runKafkaTool(launcher, 'ProducerPerformance', args, scenario, options.onChild);
  let summary: RegExpExecArray | undefined;
  let summaryText = '';
  for (const line of run.stdout) {
    const match = producerPerformanceSummary.exec(line);
    if (match) {
      summary = match;
      summaryText = line;
    } else process.stderr.write(`  ${scenario}: ${line}\n`);
  }
  if (run.exit !== 0 || !summary) {
    return {
      ...empty({ ...base, topic }),
      error: `ProducerPerformance exited with ${run.exit}: ${run.stderr.slice(-5).join(' | ') || 'no summary line'}`,
    };
  }
  const [, records, recordsPerSec, , avg, max, p50, p95, p99] = summary.map(Number);
  const eventsPerSec = recordsPerSec as number;
  return {
    ...base,
    topic,
    events: records as number,
    elapsedMs: ((records as number) / eventsPerSec) * 1000,
    eventsPerSec,
    // ProducerPerformance's own MB/sec is MiB of record size; recomputed here in 10^6 bytes.
    mbPerSec: (eventsPerSec * payload.valueBytes) / 1e6,
    latencyMs: { avg: avg as number, p50: p50 as number, p95: p95 as number, p99: p99 as number, max: max as number },
    logBytes: topicLogBytes(options.kafkaDataDir, topic, options.partitions),
    error: null,
    raw: summaryText,
  };
}

function empty<T extends object>(base: T) {
  return { ...base, elapsedMs: null, eventsPerSec: null, mbPerSec: null, latencyMs: null, logBytes: null };
}

/** Nearest-rank percentiles, in ms; p95 as ProducerPerformance reports it. */
function latencyStats(latencies: Float64Array): LatencyMs {
  const sorted = sortedCopy(latencies);
  const rank = (p: number) => nearestRank(sorted, p);
  return { avg: mean(sorted), p50: rank(0.5), p95: rank(0.95), p99: rank(0.99), max: rank(1) };
}

function topicLogBytes(dataDir: string | undefined, topic: string, partitions: number): number | null {
  if (!dataDir) return null;
  let bytes = 0;
  for (let p = 0; p < partitions; p++) {
    const dir = path.join(dataDir, `${topic}-${p}`);
    if (!fs.existsSync(dir)) return null;
    for (const file of fs.readdirSync(dir)) if (file.endsWith('.log')) bytes += fs.statSync(path.join(dir, file)).size;
  }
  return bytes;
}
