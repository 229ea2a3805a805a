import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Admin } from 'kafkajs';
import { loadConfig, type Config } from '../adapters/config.js';
import { createKafka } from '../adapters/kafka/index.js';
import { createLogger } from '../adapters/logger.js';
import { databaseUrl, stackDown, stackUp, type ServiceName } from '../stack/index.js';
import { stackPaths } from '../stack/paths.js';
import { findJava } from '../stack/tools.js';
import { maxBatchEvents } from '../api/ingest-schemas.js';
import { javaRequirements } from '../stack/versions.js';
import { runApiBench } from './api.js';
import { renderDestinationsTable, runDestinationsBench } from './destinations.js';
import { destinationBenchCases } from './destinations/index.js';
import { renderE2eTable } from './e2e-table.js';
import { runE2e } from './e2e.js';
import { runKafkaClients } from './kafka-clients/index.js';
import { renderClientsTable } from './kafka-clients/table.js';
import type { KafkaTools } from './lib/kafka-tool.js';
import type { Cleanable, MaterializerSettings, StreamerSettings } from './lib/stack.js';
import { runIngest } from './ingest.js';
import { runMaterialize } from './materialize.js';
import { runProduce } from './produce.js';
import { runStreamerBench } from './streamer.js';
import { renderWidthTable } from './width-table.js';
import { runWidthBench } from './width.js';
import { defaultScenarios, renderSummary, scenarios, summaryRows, type Scenario } from './summary.js';
import { renderApiTable, renderIngestTable, renderMaterializeTable, renderProduceTable, renderStreamerTable } from './tables.js';

/**
 * `npm run bench [scenario…]`: brings the local stack up (or reuses it), runs the scenarios named
 * (all when none is: produce, materialize, api, streamer, then e2e; ingest, kafka-clients, width and destinations only when named),
 * prints a table each and one summary table of them all, writes bench/results/latest.json and
 * bench/results/<time>-summary.json, deletes its topics, subjects and schemas and stops only what it
 * started. A measurement, not a test: nothing here fails on a slow figure.
 */

const resultsDir = path.join(path.dirname(fileURLToPath(import.meta.url)), 'results');
const resultsFile = path.join(resultsDir, 'latest.json');

/** `name` from the environment (`_` allowed as a thousands separator), or `fallback` when unset. */
function wholeNumber(name: string, fallback: number, min: 0 | 1): number {
  const text = process.env[name];
  if (text === undefined || text.trim() === '') return fallback;
  const value = Number(text.replaceAll('_', ''));
  if (!Number.isInteger(value) || value < min) throw new Error(`${name}=${JSON.stringify(text)} must be a whole number of at least ${min}`);
  return value;
}

const positiveInt = (name: string, fallback: number) => wholeNumber(name, fallback, 1);
const nonNegativeInt = (name: string, fallback: number) => wholeNumber(name, fallback, 0);

function positiveIntList(name: string, fallback: readonly number[]): number[] {
  const text = process.env[name];
  if (text === undefined || text.trim() === '') return [...fallback];
  const values = text.split(',').map((part) => Number(part.trim().replaceAll('_', '')));
  if (values.some((value) => !Number.isInteger(value) || value < 1))
    throw new Error(`${name}=${JSON.stringify(text)} must be whole numbers of at least 1, separated by commas`);
  return values;
}

function oneOf<const Value extends string>(name: string, values: readonly [Value, ...Value[]]): Value {
  const text = process.env[name]?.trim();
  if (text === undefined || text === '') return values[0];
  const value = values.find((candidate) => candidate === text);
  if (value === undefined) throw new Error(`${name}=${JSON.stringify(text)} must be one of ${values.join(', ')}`);
  return value;
}

function nameList<const Name extends string>(variable: string, names: readonly Name[]): Name[] {
  const text = process.env[variable]?.trim();
  if (text === undefined || text === '') return [...names];
  const chosen = text.split(',').map((part) => part.trim());
  const unknown = chosen.filter((part) => !(names as readonly string[]).includes(part));
  if (unknown.length > 0)
    throw new Error(`${variable}=${JSON.stringify(text)} names ${unknown.join(', ')}; choose from ${names.join(', ')}`);
  return names.filter((name) => chosen.includes(name));
}

function selectedScenarios(args: readonly string[]): Scenario[] {
  const names = args.filter((arg) => arg !== '--');
  const unknown = names.filter((name) => !(scenarios as readonly string[]).includes(name));
  if (unknown.length > 0)
    throw new Error(
      `unknown scenario ${unknown.join(', ')}; choose from ${scenarios.join(', ')} (none runs ${defaultScenarios.join(', ')})`,
    );
  return names.length === 0 ? [...defaultScenarios] : scenarios.filter((scenario) => names.includes(scenario));
}

/** Kafka's Java tools from the stack's Kafka home and a `java` Kafka can run on, or why they cannot run. */
async function findKafkaTools(config: Config, libs: string, purpose: string): Promise<KafkaTools> {
  const toolsJar = path.join(libs, `kafka-tools-${config.stack.kafkaVersion}.jar`);
  if (!fs.existsSync(toolsJar))
    return {
      unavailable: `${toolsJar} is missing (the stack fetches it when it starts Kafka itself; run \`npx evp stack up\` without KAFKA_BROKERS once)`,
    };
  return findJava({ homes: [config.stack.javaHome], minMajor: javaRequirements.kafka, purpose }).then(
    (java) => ({ java: java.bin, libs }),
    (error: unknown) => ({ unavailable: (error as Error).message }),
  );
}

async function main(): Promise<void> {
  const selected = selectedScenarios(process.argv.slice(2));
  const loadAtStart = os.loadavg();
  const events = positiveInt('BENCH_EVENTS', 200_000);
  const window = positiveInt('BENCH_WINDOW', 4_000);
  const materializeEvents = positiveInt('BENCH_MATERIALIZE_EVENTS', events);
  const naiveEvents = positiveInt('BENCH_NAIVE_EVENTS', Math.min(20_000, materializeEvents));
  const apiEvents = positiveInt('BENCH_API_EVENTS', 1_000_000);
  const apiSeconds = positiveInt('BENCH_API_SECONDS', 10);
  const apiConnections = positiveInt('BENCH_API_CONNECTIONS', 10);
  const apiEmptyPartitions = nonNegativeInt('BENCH_API_EMPTY_PARTITIONS', 0);
  const streamerEvents = positiveInt('BENCH_STREAMER_EVENTS', 50_000);
  const streamerDestinations = positiveInt('BENCH_STREAMER_DESTINATIONS', 10);
  const streamerTimeoutSeconds = positiveInt('BENCH_STREAMER_TIMEOUT_SECONDS', 1_800);
  const e2eRates = positiveIntList('BENCH_E2E_RATES', [1_000, 5_000]);
  const e2eSeconds = positiveInt('BENCH_E2E_SECONDS', 60);
  const e2eServices = oneOf('BENCH_E2E_SERVICES', ['in-process', 'processes'] as const);
  const e2eProbeSeconds = nonNegativeInt('BENCH_E2E_PROBE_SECONDS', 15);
  const e2eProbeStart = positiveInt('BENCH_E2E_PROBE_START', 1_000);
  const e2eProbeMax = positiveInt('BENCH_E2E_PROBE_MAX', 64_000);
  const e2eProbeMin = positiveInt('BENCH_E2E_PROBE_MIN', 100);
  const e2eProbeRefine = nonNegativeInt('BENCH_E2E_PROBE_REFINE', 1);
  const e2eProbePath = oneOf('BENCH_E2E_PROBE_PATH', ['both', 'api']);
  const e2eGrowthFactor = positiveInt('BENCH_E2E_GROWTH_FACTOR', 5);
  const e2eGrowthMinMs = nonNegativeInt('BENCH_E2E_GROWTH_MIN_MS', 1_000);
  const e2eWindowPercent = positiveInt('BENCH_E2E_WINDOW_PERCENT', 10);
  const e2eMinPublishPercent = positiveInt('BENCH_E2E_MIN_PUBLISH_PERCENT', 95);
  const e2eMinDeliveryPercent = positiveInt('BENCH_E2E_MIN_DELIVERY_PERCENT', 90);
  const e2eDrainSeconds = positiveInt('BENCH_E2E_DRAIN_SECONDS', 60);
  const e2eSettleSeconds = positiveInt('BENCH_E2E_SETTLE_SECONDS', 180);
  const ingestEvents = positiveInt('BENCH_INGEST_EVENTS', 200_000);
  const ingestBatch = positiveInt('BENCH_INGEST_BATCH', 100);
  const ingestConnections = positiveInt('BENCH_INGEST_CONNECTIONS', 10);
  const clientSpec = {
    records: positiveInt('BENCH_CLIENT_RECORDS', events),
    recordBytes: positiveInt('BENCH_CLIENT_RECORD_BYTES', 1_000),
    keys: positiveInt('BENCH_CLIENT_KEYS', 1_000),
    headers: nonNegativeInt('BENCH_CLIENT_HEADERS', 9),
    headerBytes: nonNegativeInt('BENCH_CLIENT_HEADER_BYTES', 218),
    partitions: positiveInt('BENCH_CLIENT_PARTITIONS', 6),
    window: positiveInt('BENCH_CLIENT_WINDOW', window),
    batch: positiveInt('BENCH_CLIENT_BATCH', 500),
    workMs: nonNegativeInt('BENCH_CLIENT_WORK_MS', 5),
  };
  const clientRounds = positiveInt('BENCH_CLIENT_ROUNDS', 3);
  const widthIdleSeconds = positiveInt('BENCH_WIDTH_IDLE_SECONDS', 30);
  const widthSeconds = positiveInt('BENCH_WIDTH_SECONDS', 30);
  const widthDrainSeconds = positiveInt('BENCH_WIDTH_DRAIN_SECONDS', 120);
  const widthDestinations = positiveInt('BENCH_WIDTH_DESTINATIONS', 1_000);
  const widthBaselineDestinations = positiveInt('BENCH_WIDTH_BASELINE_DESTINATIONS', 10);
  const widthRate = positiveInt('BENCH_WIDTH_RATE', 10);
  if (ingestBatch > maxBatchEvents)
    throw new Error(`BENCH_INGEST_BATCH must be at most ${maxBatchEvents} (the most one request may carry)`);
  if (e2eWindowPercent > 50)
    throw new Error('BENCH_E2E_WINDOW_PERCENT must be at most 50 (the first and the last windows may not overlap)');
  const config = loadConfig(process.env);
  const logger = createLogger(config.logLevel, { service: 'bench' });
  const materializerSettings: MaterializerSettings = {
    batchSize: config.materializer.batchSize,
    lingerMs: config.materializer.lingerMs,
    concurrency: config.materializer.concurrency,
    retentionDays: config.eventRetentionDays,
  };
  const streamerSettings: StreamerSettings = {
    retryScheduleMs: config.streamer.retryScheduleMs,
    maxConcurrency: config.streamer.maxConcurrency,
    timeoutMs: config.streamer.timeoutMs,
    disableAfterMs: config.streamer.disableAfterHours * 3_600_000,
    retentionDays: config.streamer.deliveryRetentionDays,
  };
  const topicPrefix = `bench.${randomBytes(4).toString('hex')}`;

  let started: readonly ServiceName[] = [];
  let registryUrl: string | undefined;
  let admin: Admin | undefined;
  let child: ChildProcess | undefined;
  /** The running scenario's cleanup (they run one at a time). */
  let stopScenario: (() => Promise<void>) | undefined;
  let cleaning: Promise<void> | undefined;
  const cleanup = (): Promise<void> =>
    (cleaning ??= (async () => {
      if (child && child.exitCode === null) child.kill('SIGTERM');
      await stopScenario?.();
      if (admin) {
        const topics = (await admin.listTopics().catch(() => [])).filter((topic) => topic.startsWith(`${topicPrefix}.`));
        if (topics.length > 0)
          await admin.deleteTopics({ topics }).catch((error: unknown) => logger.warn({ err: error }, 'deleting bench topics failed'));
        await admin.disconnect().catch(() => undefined);
      }
      if (registryUrl)
        await deleteSubjects(registryUrl, `${topicPrefix}.`).catch((error: unknown) =>
          logger.warn({ err: error }, 'deleting bench subjects failed'),
        );
      if (started.length > 0) await stackDown(config, logger, { only: started });
    })());
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      process.stderr.write(`bench: ${signal}, cleaning up (again to quit at once)\n`);
      process.once(signal, () => process.exit(130));
      void cleanup().finally(() => process.exit(130));
    });
  }

  try {
    const up = await stackUp(config, logger);
    started = up.started;
    registryUrl = up.endpoints.schemaRegistryUrl;
    const kafka = up.services.find((service) => service.name === 'kafka');
    const paths = stackPaths(config.stack);
    admin = createKafka({ brokers: up.endpoints.kafkaBrokers, clientId: 'evp-bench', logger }).admin();
    await admin.connect();
    const env = { ...process.env, KAFKA_BROKERS: up.endpoints.kafkaBrokers.join(','), SCHEMA_REGISTRY_URL: up.endpoints.schemaRegistryUrl };
    const connected = admin;
    /** A scenario's own topics and subjects (`<prefix>.<name>.…`) and PostgreSQL schema (`<prefix>_<name>`) on the stack. */
    const stackFor = async (name: Scenario) => ({
      keys: 10_000,
      partitions: 6,
      targetValueBytes: 1_000,
      topicPrefix: `${topicPrefix}.${name}`,
      schema: `${topicPrefix.replace('.', '_')}_${name}`,
      env,
      brokers: up.endpoints.kafkaBrokers,
      schemaRegistryUrl: up.endpoints.schemaRegistryUrl,
      databaseUrl: await databaseUrl(config, logger),
      admin: connected,
      logger,
    });

    /** Runs `name` when it was selected and prints its table; its cleanup is registered meanwhile. */
    const run = async <R>(
      name: Scenario,
      start: (onCleanup: NonNullable<Cleanable['onCleanup']>) => Promise<R>,
      render: (report: R) => string,
    ) => {
      if (!selected.includes(name)) return undefined;
      const report = await start((stop) => (stopScenario = stop));
      process.stdout.write(`\n${render(report)}\n`);
      return report;
    };

    const produce = await run(
      'produce',
      async () => {
        return runProduce({
          events,
          keys: 10_000,
          partitions: 6,
          window,
          targetValueBytes: 1_000,
          compressions: ['gzip', 'none'],
          topicPrefix,
          env,
          brokers: up.endpoints.kafkaBrokers,
          admin: connected,
          logger,
          producerPerformance: await findKafkaTools(config, path.join(paths.kafkaHome, 'libs'), 'ProducerPerformance'),
          kafkaDataDir: kafka?.origin === 'stack' ? paths.kafkaData : undefined,
          onChild: (process) => (child = process),
        });
      },
      renderProduceTable,
    );

    const materialize = await run(
      'materialize',
      async (onCleanup) =>
        runMaterialize({
          ...(await stackFor('materialize')),
          // bench_<random>, and bench_<random>_naive for the floor.
          schema: topicPrefix.replace('.', '_'),
          events: materializeEvents,
          naiveEvents,
          materializer: materializerSettings,
          onCleanup,
        }),
      renderMaterializeTable,
    );

    const api = await run(
      'api',
      async (onCleanup) =>
        runApiBench({
          events: apiEvents,
          seconds: apiSeconds,
          connections: apiConnections,
          emptyPartitions: apiEmptyPartitions,
          ...(await stackFor('api')),
          onCleanup,
        }),
      renderApiTable,
    );

    const streamer = await run(
      'streamer',
      async (onCleanup) =>
        runStreamerBench({
          events: streamerEvents,
          destinations: streamerDestinations,
          window,
          timeoutMs: streamerTimeoutSeconds * 1000,
          ...(await stackFor('streamer')),
          streamer: streamerSettings,
          onCleanup,
        }),
      renderStreamerTable,
    );

    const e2e = await run(
      'e2e',
      async (onCleanup) =>
        runE2e({
          services: e2eServices,
          rates: e2eRates,
          seconds: e2eSeconds,
          probe: {
            seconds: e2eProbeSeconds,
            startRate: e2eProbeStart,
            maxRate: e2eProbeMax,
            minRate: e2eProbeMin,
            refine: e2eProbeRefine,
            path: e2eProbePath,
          },
          windowPercent: e2eWindowPercent,
          growthFactor: e2eGrowthFactor,
          growthMinMs: e2eGrowthMinMs,
          minPublishPercent: e2eMinPublishPercent,
          minDeliveryPercent: e2eMinDeliveryPercent,
          drainSeconds: e2eDrainSeconds,
          settleSeconds: e2eSettleSeconds,
          window,
          ...(await stackFor('e2e')),
          materializer: materializerSettings,
          streamer: streamerSettings,
          onCleanup,
        }),
      renderE2eTable,
    );

    const ingest = await run(
      'ingest',
      async (onCleanup) =>
        runIngest({
          events: ingestEvents,
          batchSize: ingestBatch,
          connections: ingestConnections,
          ...(await stackFor('ingest')),
          onCleanup,
        }),
      renderIngestTable,
    );

    const kafkaClients = await run(
      'kafka-clients',
      async () =>
        runKafkaClients({
          spec: clientSpec,
          rounds: clientRounds,
          topicPrefix: `${topicPrefix}.kafka-clients`,
          brokers: up.endpoints.kafkaBrokers,
          admin: connected,
          logger,
          java: await findKafkaTools(config, path.join(paths.kafkaHome, 'libs'), 'ProducerPerformance and ConsumerPerformance'),
          onChild: (process) => (child = process),
        }),
      renderClientsTable,
    );

    const width = await run(
      'width',
      async (onCleanup) =>
        runWidthBench({
          idleSeconds: widthIdleSeconds,
          seconds: widthSeconds,
          drainSeconds: widthDrainSeconds,
          destinations: widthDestinations,
          baselineDestinations: widthBaselineDestinations,
          rate: widthRate,
          window,
          ...(await stackFor('width')),
          streamer: streamerSettings,
          onCleanup,
        }),
      renderWidthTable,
    );

    const destinations = await run(
      'destinations',
      async (onCleanup) =>
        runDestinationsBench({
          events: positiveInt('BENCH_DESTINATION_EVENTS', 20_000),
          types: nameList(
            'BENCH_DESTINATION_TYPES',
            destinationBenchCases.map((benchCase) => benchCase.type),
          ),
          window,
          ...(await stackFor('destinations')),
          streamer: streamerSettings,
          onCleanup,
        }),
      renderDestinationsTable,
    );

    const generatedAt = new Date();
    const summary = summaryRows({ produce, materialize, api, streamer, e2e, ingest, kafkaClients, width, destinations });
    process.stdout.write(`\n${renderSummary(summary)}\n`);

    fs.mkdirSync(resultsDir, { recursive: true });
    const document = {
      generatedAt: generatedAt.toISOString(),
      environment: {
        node: process.version,
        platform: `${os.platform()} ${os.release()} ${os.arch()}`,
        cpus: os.cpus().length,
        cpuModel: os.cpus()[0]?.model ?? null,
        kafka: config.stack.kafkaVersion,
        kafkaOrigin: kafka?.origin ?? null,
        brokers: up.endpoints.kafkaBrokers,
      },
      ...(produce ? { produce } : {}),
      ...(materialize ? { materialize } : {}),
      ...(api ? { api } : {}),
      ...(streamer ? { streamer } : {}),
      ...(e2e ? { e2e } : {}),
      ...(ingest ? { ingest } : {}),
      ...(kafkaClients ? { kafkaClients } : {}),
      ...(width ? { width } : {}),
      ...(destinations ? { destinations } : {}),
    };
    fs.writeFileSync(resultsFile, `${JSON.stringify(document, null, 2)}\n`);
    const summaryFile = path.join(
      resultsDir,
      `${generatedAt
        .toISOString()
        .replace(/\.\d+Z$/, 'Z')
        .replaceAll(':', '-')}-summary.json`,
    );
    const cpus = os.cpus();
    const summaryDocument = {
      generatedAt: generatedAt.toISOString(),
      command: `npm run bench${selected.join(' ') === defaultScenarios.join(' ') ? '' : ` -- ${selected.join(' ')}`}`,
      environmentVariables: Object.fromEntries(
        Object.entries(process.env).filter(([name]) => /^(BENCH_|MATERIALIZER_|STREAMER_|EVENT_RETENTION_DAYS$)/.test(name)),
      ),
      machine: {
        cpus: cpus.length,
        cpuModel: cpus[0]?.model ?? null,
        os: `${os.platform()} ${os.release()} ${os.arch()}`,
        memoryBytes: os.totalmem(),
        /** 1, 5 and 15 minutes, when the run started and when it ended: other work on the machine skews every figure. */
        loadAverage: { atStart: loadAtStart, atEnd: os.loadavg() },
        node: process.version,
        date: generatedAt.toISOString(),
        kafka: config.stack.kafkaVersion,
        kafkaOrigin: kafka?.origin ?? null,
      },
      scenarios: selected,
      rows: summary,
    };
    fs.writeFileSync(summaryFile, `${JSON.stringify(summaryDocument, null, 2)}\n`);
    process.stdout.write(`\nwritten ${path.relative(process.cwd(), resultsFile)} and ${path.relative(process.cwd(), summaryFile)}\n`);
  } finally {
    await cleanup();
  }
}

/** The subjects registered under the bench's topics (by the SDK's autoRegister or `registerSchemas`): soft-deleted, then for good. */
async function deleteSubjects(registryUrl: string, prefix: string): Promise<void> {
  const response = await fetch(`${registryUrl}/subjects`);
  if (!response.ok) throw new Error(`GET ${registryUrl}/subjects answered ${response.status}`);
  const subjects = ((await response.json()) as string[]).filter((subject) => subject.startsWith(prefix));
  for (const subject of subjects) {
    const url = `${registryUrl}/subjects/${encodeURIComponent(subject)}`;
    for (const target of [url, `${url}?permanent=true`]) {
      const deleted = await fetch(target, { method: 'DELETE' });
      await deleted.body?.cancel();
      if (!deleted.ok) throw new Error(`DELETE ${target} answered ${deleted.status}`);
    }
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
