import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Admin } from 'kafkajs';
import { loadConfig } from '../adapters/config.js';
import { createKafka } from '../adapters/kafka.js';
import { createLogger } from '../adapters/logger.js';
import { databaseUrl, stackDown, stackUp, versions, type ServiceName } from '../stack/index.js';
import { stackPaths } from '../stack/paths.js';
import { findJava } from '../stack/tools.js';
import { javaRequirements } from '../stack/versions.js';
import { runApiBench, type ApiReport } from './api.js';
import { latencyText, runE2e, type E2eLatency, type E2eReport, type E2eRun } from './e2e.js';
import { runMaterialize, type MaterializeReport } from './materialize.js';
import { runProduce, type ProduceOptions, type ProduceReport, type ScenarioResult } from './produce.js';
import { runStreamerBench, type StreamerReport } from './streamer.js';

/**
 * `npm run bench [scenario…]`: brings the local stack up (or reuses it), runs the scenarios named
 * (all when none is: produce, materialize, api, streamer, then e2e), prints a table each and one
 * summary table of them all, writes bench/results/latest.json and bench/results/<time>-summary.json,
 * deletes its topics, subjects and schemas and stops only what it started. A measurement, not a
 * test: nothing here fails on a slow figure.
 */
const scenarios = ['produce', 'materialize', 'api', 'streamer', 'e2e'] as const;
type Scenario = (typeof scenarios)[number];

const resultsDir = path.join(path.dirname(fileURLToPath(import.meta.url)), 'results');
const resultsFile = path.join(resultsDir, 'latest.json');

function positiveInt(name: string, fallback: number): number {
  const text = process.env[name];
  if (text === undefined || text.trim() === '') return fallback;
  const value = Number(text.replaceAll('_', ''));
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name}=${JSON.stringify(text)} must be a whole number of at least 1`);
  return value;
}

function nonNegativeInt(name: string, fallback: number): number {
  const text = process.env[name];
  if (text === undefined || text.trim() === '') return fallback;
  const value = Number(text.replaceAll('_', ''));
  if (!Number.isInteger(value) || value < 0) throw new Error(`${name}=${JSON.stringify(text)} must be a whole number of at least 0`);
  return value;
}

function positiveIntList(name: string, fallback: readonly number[]): number[] {
  const text = process.env[name];
  if (text === undefined || text.trim() === '') return [...fallback];
  const values = text.split(',').map((part) => Number(part.trim().replaceAll('_', '')));
  if (values.some((value) => !Number.isInteger(value) || value < 1))
    throw new Error(`${name}=${JSON.stringify(text)} must be whole numbers of at least 1, separated by commas`);
  return values;
}

function selectedScenarios(args: readonly string[]): Scenario[] {
  const names = args.filter((arg) => arg !== '--');
  const unknown = names.filter((name) => !(scenarios as readonly string[]).includes(name));
  if (unknown.length > 0) throw new Error(`unknown scenario ${unknown.join(', ')}; choose from ${scenarios.join(', ')} (none runs all)`);
  return scenarios.filter((scenario) => names.length === 0 || names.includes(scenario));
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
  const e2eProbeSeconds = nonNegativeInt('BENCH_E2E_PROBE_SECONDS', 15);
  const e2eProbeStart = positiveInt('BENCH_E2E_PROBE_START', 1_000);
  const e2eProbeMax = positiveInt('BENCH_E2E_PROBE_MAX', 64_000);
  const e2eProbeMin = positiveInt('BENCH_E2E_PROBE_MIN', 100);
  const e2eProbeRefine = nonNegativeInt('BENCH_E2E_PROBE_REFINE', 1);
  const e2eGrowthFactor = positiveInt('BENCH_E2E_GROWTH_FACTOR', 5);
  const e2eGrowthMinMs = nonNegativeInt('BENCH_E2E_GROWTH_MIN_MS', 1_000);
  const e2eWindowPercent = positiveInt('BENCH_E2E_WINDOW_PERCENT', 10);
  const e2eMinPublishPercent = positiveInt('BENCH_E2E_MIN_PUBLISH_PERCENT', 95);
  const e2eMinDeliveryPercent = positiveInt('BENCH_E2E_MIN_DELIVERY_PERCENT', 90);
  const e2eDrainSeconds = positiveInt('BENCH_E2E_DRAIN_SECONDS', 60);
  const e2eSettleSeconds = positiveInt('BENCH_E2E_SETTLE_SECONDS', 180);
  if (e2eWindowPercent > 50)
    throw new Error('BENCH_E2E_WINDOW_PERCENT must be at most 50 (the first and the last windows may not overlap)');
  const config = loadConfig(process.env);
  const logger = createLogger(config.logLevel, { service: 'bench' });
  const topicPrefix = `bench.${randomBytes(4).toString('hex')}`;

  let started: readonly ServiceName[] = [];
  let registryUrl: string | undefined;
  let admin: Admin | undefined;
  let child: ChildProcess | undefined;
  let stopMaterialize: (() => Promise<void>) | undefined;
  let stopApiBench: (() => Promise<void>) | undefined;
  let stopStreamerBench: (() => Promise<void>) | undefined;
  let stopE2e: (() => Promise<void>) | undefined;
  let cleaning: Promise<void> | undefined;
  const cleanup = (): Promise<void> =>
    (cleaning ??= (async () => {
      if (child && child.exitCode === null) child.kill('SIGTERM');
      await stopMaterialize?.();
      await stopApiBench?.();
      await stopStreamerBench?.();
      await stopE2e?.();
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

    let produce: ProduceReport | undefined;
    if (selected.includes('produce')) {
      const libs = path.join(paths.kafkaHome, 'libs');
      const toolsJar = path.join(libs, `kafka-tools-${versions.kafka}.jar`);
      let producerPerformance: ProduceOptions['producerPerformance'];
      if (!fs.existsSync(toolsJar)) {
        producerPerformance = {
          unavailable: `${toolsJar} is missing (the stack fetches it when it starts Kafka itself; run \`npx evp stack up\` without KAFKA_BROKERS once)`,
        };
      } else {
        producerPerformance = await findJava({
          homes: [config.stack.javaHome],
          minMajor: javaRequirements.kafka,
          purpose: 'ProducerPerformance',
        }).then(
          (java) => ({ java: java.bin, libs }),
          (error: unknown) => ({ unavailable: (error as Error).message }),
        );
      }
      produce = await runProduce({
        events,
        keys: 10_000,
        partitions: 6,
        window,
        targetValueBytes: 1_000,
        compressions: ['gzip', 'none'],
        topicPrefix,
        env,
        brokers: up.endpoints.kafkaBrokers,
        admin,
        logger,
        producerPerformance,
        kafkaDataDir: kafka?.origin === 'stack' ? paths.kafkaData : undefined,
        onChild: (process) => (child = process),
      });
      process.stdout.write(`\n${renderTable(produce)}\n`);
    }

    let materialize: MaterializeReport | undefined;
    if (selected.includes('materialize')) {
      materialize = await runMaterialize({
        events: materializeEvents,
        naiveEvents,
        keys: 10_000,
        partitions: 6,
        targetValueBytes: 1_000,
        topicPrefix: `${topicPrefix}.materialize`,
        schema: topicPrefix.replace('.', '_'),
        env,
        brokers: up.endpoints.kafkaBrokers,
        schemaRegistryUrl: up.endpoints.schemaRegistryUrl,
        databaseUrl: await databaseUrl(config, logger),
        admin,
        logger,
        materializer: {
          batchSize: config.materializer.batchSize,
          lingerMs: config.materializer.lingerMs,
          concurrency: config.materializer.concurrency,
          retentionDays: config.eventRetentionDays,
        },
        onCleanup: (stop) => (stopMaterialize = stop),
      });
      process.stdout.write(`\n${renderMaterializeTable(materialize)}\n`);
    }

    let api: ApiReport | undefined;
    if (selected.includes('api')) {
      api = await runApiBench({
        events: apiEvents,
        seconds: apiSeconds,
        connections: apiConnections,
        emptyPartitions: apiEmptyPartitions,
        schema: `${topicPrefix.replace('.', '_')}_api`,
        databaseUrl: await databaseUrl(config, logger),
        schemaRegistryUrl: up.endpoints.schemaRegistryUrl,
        topicPrefix: `${topicPrefix}.api`,
        logger,
        onCleanup: (stop) => (stopApiBench = stop),
      });
      process.stdout.write(`\n${renderApiTable(api)}\n`);
    }

    let streamer: StreamerReport | undefined;
    if (selected.includes('streamer')) {
      streamer = await runStreamerBench({
        events: streamerEvents,
        destinations: streamerDestinations,
        window,
        timeoutMs: streamerTimeoutSeconds * 1000,
        keys: 10_000,
        partitions: 6,
        targetValueBytes: 1_000,
        topicPrefix: `${topicPrefix}.streamer`,
        schema: `${topicPrefix.replace('.', '_')}_streamer`,
        env,
        brokers: up.endpoints.kafkaBrokers,
        schemaRegistryUrl: up.endpoints.schemaRegistryUrl,
        databaseUrl: await databaseUrl(config, logger),
        admin,
        logger,
        streamer: {
          retryScheduleMs: config.streamer.retryScheduleMs,
          maxConcurrency: config.streamer.maxConcurrency,
          timeoutMs: config.streamer.timeoutMs,
          disableAfterMs: config.streamer.disableAfterHours * 3_600_000,
          retentionDays: config.streamer.deliveryRetentionDays,
        },
        onCleanup: (stop) => (stopStreamerBench = stop),
      });
      process.stdout.write(`\n${renderStreamerTable(streamer)}\n`);
    }

    let e2e: E2eReport | undefined;
    if (selected.includes('e2e')) {
      e2e = await runE2e({
        rates: e2eRates,
        seconds: e2eSeconds,
        probe: { seconds: e2eProbeSeconds, startRate: e2eProbeStart, maxRate: e2eProbeMax, minRate: e2eProbeMin, refine: e2eProbeRefine },
        windowPercent: e2eWindowPercent,
        growthFactor: e2eGrowthFactor,
        growthMinMs: e2eGrowthMinMs,
        minPublishPercent: e2eMinPublishPercent,
        minDeliveryPercent: e2eMinDeliveryPercent,
        drainSeconds: e2eDrainSeconds,
        settleSeconds: e2eSettleSeconds,
        window,
        keys: 10_000,
        partitions: 6,
        targetValueBytes: 1_000,
        topicPrefix: `${topicPrefix}.e2e`,
        schema: `${topicPrefix.replace('.', '_')}_e2e`,
        env,
        brokers: up.endpoints.kafkaBrokers,
        schemaRegistryUrl: up.endpoints.schemaRegistryUrl,
        databaseUrl: await databaseUrl(config, logger),
        admin,
        logger,
        materializer: {
          batchSize: config.materializer.batchSize,
          lingerMs: config.materializer.lingerMs,
          concurrency: config.materializer.concurrency,
          retentionDays: config.eventRetentionDays,
        },
        streamer: {
          retryScheduleMs: config.streamer.retryScheduleMs,
          maxConcurrency: config.streamer.maxConcurrency,
          timeoutMs: config.streamer.timeoutMs,
          disableAfterMs: config.streamer.disableAfterHours * 3_600_000,
          retentionDays: config.streamer.deliveryRetentionDays,
        },
        onCleanup: (stop) => (stopE2e = stop),
      });
      process.stdout.write(`\n${renderE2eTable(e2e)}\n`);
    }

    const generatedAt = new Date();
    const summary = summaryRows({ produce, materialize, api, streamer, e2e });
    process.stdout.write(`\n${renderSummary(summary)}\n`);

    fs.mkdirSync(resultsDir, { recursive: true });
    const document = {
      generatedAt: generatedAt.toISOString(),
      environment: {
        node: process.version,
        platform: `${os.platform()} ${os.release()} ${os.arch()}`,
        cpus: os.cpus().length,
        cpuModel: os.cpus()[0]?.model ?? null,
        kafka: versions.kafka,
        kafkaOrigin: kafka?.origin ?? null,
        brokers: up.endpoints.kafkaBrokers,
      },
      ...(produce ? { produce } : {}),
      ...(materialize ? { materialize } : {}),
      ...(api ? { api } : {}),
      ...(streamer ? { streamer } : {}),
      ...(e2e ? { e2e } : {}),
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
      command: `npm run bench${selected.length === scenarios.length ? '' : ` -- ${selected.join(' ')}`}`,
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
        kafka: versions.kafka,
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

function renderTable(report: ProduceReport): string {
  const rows = report.results.map((result) => [
    result.scenario,
    result.eventsPerSec === null ? 'failed' : Math.round(result.eventsPerSec).toLocaleString('en-US'),
    result.mbPerSec === null ? '-' : result.mbPerSec.toFixed(2),
    result.latencyMs === null ? '-' : formatMs(result.latencyMs.p50),
    result.latencyMs === null ? '-' : formatMs(result.latencyMs.p99),
  ]);
  const header = ['scenario', 'events/s', 'MB/s', 'p50 ms', 'p99 ms'];
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells.map((cell, column) => (column === 0 ? cell.padEnd(widths[column] ?? 0) : cell.padStart(widths[column] ?? 0))).join(' | ');
  const notes = [
    `${report.events.toLocaleString('en-US')} events per scenario, value ${report.record.valueBytes} B (MB = 10^6 B of values), ` +
      `${report.partitions} partitions, ${report.keys.toLocaleString('en-US')} keys, acks=all, idempotent; SDK window ${report.window} publishes in flight`,
    ...report.results.filter((result) => result.logBytes !== null).map((result) => `${result.scenario}: ${onDisk(result)}`),
    ...report.results.filter((result) => result.error !== null).map((result) => `${result.scenario}: ${result.error ?? ''}`),
  ];
  return [line(header), widths.map((width) => '-'.repeat(width)).join('-+-'), ...rows.map(line), '', ...notes].join('\n');
}

function renderMaterializeTable(report: MaterializeReport): string {
  const figure = (value: number | null, digits = 0) =>
    value === null ? '-' : value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
  const rows = report.results.map((result) => [
    result.scenario,
    result.events.toLocaleString('en-US'),
    result.eventsPerSec === null ? 'failed' : figure(result.eventsPerSec),
    result.elapsedMs === null ? '-' : figure(result.elapsedMs / 1000, 1),
    result.startupMs === null ? '-' : figure(result.startupMs / 1000, 1),
    figure(result.eventsPerSecAfterStartup),
  ]);
  const header = ['scenario', 'events', 'events/s', 'elapsed s', 'start-up s', 'events/s after start-up'];
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells.map((cell, column) => (column === 0 ? cell.padEnd(widths[column] ?? 0) : cell.padStart(widths[column] ?? 0))).join(' | ');
  const [materializer, ceiling, naive] = report.results;
  const details = (materializer?.details ?? {}) as Record<string, unknown>;
  const number = (key: string) => (typeof details[key] === 'number' ? details[key] : undefined);
  const polls = details['countQueryMs'] as { avg: number; max: number } | null | undefined;
  const anomalies = ['skipped', 'duplicates', 'expired', 'deadLetters', 'deadLetterRows']
    .filter((key) => (number(key) ?? 0) > 0)
    .map((key) => `${key} ${number(key)}`);
  const stored = number('storedEvents');
  if (stored !== undefined && stored !== report.events) anomalies.push(`events holds ${stored} rows`);
  const distinct = number('distinctIds');
  if (distinct !== undefined && stored !== undefined && distinct !== stored) anomalies.push(`${stored - distinct} duplicate ids`);
  const values = Object.entries(report.valueBytes)
    .map(([type, bytes]) => `${type} ${bytes} B`)
    .join(', ');
  const { batchSize, lingerMs, concurrency, retentionDays } = report.materializer;
  const notes = [
    `${report.events.toLocaleString('en-US')} events pre-filled through the SDK (gzip, untimed: ${figure(report.publish.elapsedMs / 1000, 1)} s) ` +
      `into ${report.topics.length} topics of ${report.partitions} partitions, entities in turn, ${report.keys.toLocaleString('en-US')} ids each ` +
      `(first event of an id created, the rest updated); values ${values}`,
    `materializer: startMaterializer() in-process, batch ${batchSize}, linger ${lingerMs} ms, concurrency ${concurrency}, retention ${retentionDays} d; ` +
      `timed from its start until select count(*) from events = N (polled every 100 ms` +
      (polls ? `, ${figure(polls.avg, 1)} ms avg / ${figure(polls.max, 1)} ms max per count)` : ')') +
      (number('batches') !== undefined
        ? `; ${number('batches')} transactions, ${figure(number('eventsPerBatch') ?? null)} events and ${figure(number('batchMsAvg') ?? null)} ms each on average`
        : '') +
      (anomalies.length > 0 ? `; NOTE ${anomalies.join(', ')}` : ''),
    `ceiling: the same ${ceiling?.events.toLocaleString('en-US') ?? '-'} rows read back from events, then one COPY (copyRows) into a logged table ` +
      `LIKE events (no primary key, no indexes, not partitioned); only the COPY is timed`,
    `floor: the first ${naive?.events.toLocaleString('en-US') ?? '-'} of ${report.events.toLocaleString('en-US')} events (sample), kafkajs eachMessage, ` +
      `decode + one autocommitted INSERT … ON CONFLICT DO NOTHING per event on 1 connection, into a migrated events table (indexes, day partitions); ` +
      `events only, no entity state or positions`,
    ...report.results.filter((result) => result.error !== null).map((result) => `${result.scenario}: ${result.error ?? ''}`),
  ];
  return [line(header), widths.map((width) => '-'.repeat(width)).join('-+-'), ...rows.map(line), '', ...notes].join('\n');
}

function renderApiTable(report: ApiReport): string {
  const figure = (value: number | null | undefined, digits = 0) =>
    value === null || value === undefined
      ? '-'
      : value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
  const rows = report.results.map((result) => [
    result.scenario,
    result.api ? figure(result.api.requestsPerSec) : 'failed',
    figure(result.api?.latencyMs?.p50, 2),
    figure(result.api?.latencyMs?.p99, 2),
    result.postgres ? figure(result.postgres.queriesPerSec) : 'failed',
    figure(result.postgres?.latencyMs?.p50, 2),
    figure(result.postgres?.latencyMs?.p99, 2),
  ]);
  const header = ['scenario', 'API req/s', 'API p50 ms', 'API p99 ms', 'PostgreSQL q/s', 'PG p50 ms', 'PG p99 ms'];
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells.map((cell, column) => (column === 0 ? cell.padEnd(widths[column] ?? 0) : cell.padStart(widths[column] ?? 0))).join(' | ');
  const { dataset } = report;
  const organizations = Object.entries(dataset.organizations)
    .map(([organization, n]) => `${organization} ${n.toLocaleString('en-US')}`)
    .join(', ');
  const notes = [
    `${report.events.toLocaleString('en-US')} events copied straight into events (untimed: ${figure(report.load.elapsedMs / 1000, 1)} s, ` +
      `then VACUUM ANALYZE ${figure(report.load.vacuumAnalyzeMs / 1000, 1)} s), ids spread over ${dataset.days.length} days ` +
      `(${dataset.days[0] ?? ''} to ${dataset.days.at(-1) ?? ''}; ${dataset.partitions} day partitions in all), ${Object.keys(dataset.types).length} types, data ${dataset.avgDataBytes} B on average, ` +
      `${figure(dataset.tableBytes / 1e6)} MB with indexes; ${organizations}; PostgreSQL ${report.postgresVersion}`,
    `each page: GET with the org_bench key, ${report.connections} autocannon connections in this process against the API started in it ` +
      `(startApi, pool of ${report.apiPoolSize}), then the same SQL (listEvents, captured) in a loop on ${report.connections} pg connections; ` +
      `${report.seconds} s each after ${report.warmupSeconds} s of untimed warm-up; p50/p99 of every response or query`,
    ...report.results.map((result) => {
      const detail =
        result.scenario === 'filtered page'
          ? `, ${dataset.filteredRows.toLocaleString('en-US')} matching rows`
          : result.scenario === 'deep cursor page'
            ? `, ${dataset.cursorDepth.toLocaleString('en-US')} org_bench events newer than the cursor`
            : '';
      const page = result.page
        ? `${result.page.rows} rows, has_more ${result.page.hasMore}${result.page.sameAsSql ? '' : ', NOTE: not the rows the SQL returns'}`
        : '-';
      const plan =
        result.planExecutionMs === null
          ? ''
          : `; EXPLAIN ANALYZE: planning ${figure(result.planPlanningMs, 2)} ms, execution ${figure(result.planExecutionMs, 2)} ms`;
      return `${result.scenario}: ${result.path} (${page}${detail})${plan}`;
    }),
    ...report.results
      .filter((result) => (result.api?.non2xx ?? 0) > 0 || (result.api?.errors ?? 0) > 0 || (result.postgres?.errors ?? 0) > 0)
      .map(
        (result) =>
          `WARNING ${result.scenario}: ${result.api?.non2xx ?? 0} non-2xx responses ${JSON.stringify(result.api?.statusCodes ?? {})}, ` +
          `${result.api?.errors ?? 0} connection errors, ${result.postgres?.errors ?? 0} failed queries`,
      ),
    ...report.results.filter((result) => result.error !== null).map((result) => `${result.scenario}: ${result.error ?? ''}`),
  ];
  return [line(header), widths.map((width) => '-'.repeat(width)).join('-+-'), ...rows.map(line), '', ...notes].join('\n');
}

function renderStreamerTable(report: StreamerReport): string {
  const figure = (value: number | null | undefined, digits = 0) =>
    value === null || value === undefined
      ? '-'
      : value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
  const rows = report.results.map((result) => [
    result.scenario,
    `${figure(result.done)}/${figure(result.expected)}`,
    result.perSec === null ? 'failed' : figure(result.perSec),
    figure(result.latencyMs?.p50, 1),
    figure(result.latencyMs?.p99, 1),
    figure(result.latencyMs?.max, 1),
    result.elapsedMs === null ? '-' : figure(result.elapsedMs / 1000, 1),
  ]);
  const header = ['scenario', 'delivered', 'deliveries/s', 'p50 ms', 'p99 ms', 'max ms', 'elapsed s'];
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells.map((cell, column) => (column === 0 ? cell.padEnd(widths[column] ?? 0) : cell.padStart(widths[column] ?? 0))).join(' | ');

  type Summary = { p50: number; p99: number } | null | undefined;
  const [streamed] = report.results;
  const details = (streamed?.details ?? {}) as {
    fanOut?: { recorded: number; complete: boolean; elapsedMs: number | null; perSec: number | null };
    phases?: { duringFanOut: { deliveries: number; perSec: number }; afterFanOut: { deliveries: number; perSec: number | null } } | null;
    breakdown?: { publishToFanOutMs: Summary; fanOutToArrivalMs: Summary };
    deliveriesByStatus?: Record<string, number>;
    postgres?: {
      activeAvg: number | null;
      allBusyShare: number | null;
      poolSize: number;
      statements: { statement: string; share: number }[];
    };
    postgresCounters?: { perDelivery: Record<string, number> } | null;
    eventLoopUtilization?: { streamerThread: number; receiverThread: number };
    processCpuCores?: number;
    machineCpu?: { cores: number; busyCores: number; iowaitCores: number; byProcess: Record<string, number> } | null;
    repeatedWebhookIds?: number;
    failedAttempts?: number;
    unmatchedEventIds?: number;
    unloaded?: { events: number; latencyMs: { p50: number; p99: number; max: number } | null };
  };
  const percent = (value: number | null | undefined) => (value === null || value === undefined ? '-' : `${Math.round(value * 100)}%`);
  const pair = (summary: Summary) => (summary ? `p50 ${figure(summary.p50 / 1000, 1)} s / p99 ${figure(summary.p99 / 1000, 1)} s` : '-');
  const { fanOut, phases, breakdown, postgres, machineCpu } = details;
  const perDelivery = details.postgresCounters?.perDelivery;
  const anomalies = [
    details.repeatedWebhookIds ? `${details.repeatedWebhookIds} repeated webhook-ids (retries)` : '',
    details.failedAttempts ? `${details.failedAttempts} failed attempts` : '',
    details.unmatchedEventIds ? `${details.unmatchedEventIds} bodies with an unknown event id` : '',
  ].filter((text) => text !== '');
  const cpus = os.cpus();
  const { streamer } = report;
  const notes = [
    `${report.events.toLocaleString('en-US')} invoice.updated events (Kafka value ${report.valueBytes} B, webhook body ${report.bodyBytes ?? '-'} B of JSON) ` +
      `× ${report.destinations} webhook destinations of org_bench = ${report.deliveries.toLocaleString('en-US')} deliveries, ` +
      `all to one node:http receiver (a worker thread of its own, 127.0.0.1, /d/<n>, 204 at once)`,
    `streamer: startStreamer() in this process, ${streamer.maxConcurrency} attempts in flight per destination (${streamer.maxConcurrency * report.destinations} in all), ` +
      `pool of ${streamer.poolSize}, webhook sender ≤ ${streamer.senderConnectionsPerDestination} connections per destination, timeout ${streamer.timeoutMs} ms, ` +
      `retry schedule ${streamer.retryScheduleMs.join(',')} ms; started and warmed with one event before the first publish; ` +
      `the events published through the SDK meanwhile, ${report.window} in flight` +
      (report.publish ? ` (${figure(report.publish.elapsedMs / 1000, 1)} s, ${figure(report.publish.eventsPerSec)} events/s)` : ''),
    `streamer deliveries/s: distinct webhook-ids at the receiver / (last arrival − first publish); latency: arrival − its event's publish() resolved ` +
      `(all N published in a burst, so it is mostly the wait in the backlog)` +
      (details.unloaded?.latencyMs
        ? `; without a backlog (${details.unloaded.events} events one at a time before the burst): ` +
          `p50 ${figure(details.unloaded.latencyMs.p50, 1)} / p99 ${figure(details.unloaded.latencyMs.p99, 1)} / max ${figure(details.unloaded.latencyMs.max, 1)} ms`
        : ''),
    `fan-out: ${fanOut ? `${figure(fanOut.recorded)} deliveries recorded ${fanOut.complete ? 'within' : 'after'} ${figure((fanOut.elapsedMs ?? 0) / 1000, 1)} s of the first publish, ${figure(fanOut.perSec)}/s` : '-'}` +
      (phases
        ? `; delivered meanwhile ${figure(phases.duringFanOut.deliveries)} (${figure(phases.duringFanOut.perSec)}/s), ` +
          `then ${figure(phases.afterFanOut.deliveries)} at ${figure(phases.afterFanOut.perSec)}/s`
        : ''),
    `where an event's time went: publish → deliveries recorded ${pair(breakdown?.publishToFanOutMs)}, recorded → arrival ${pair(breakdown?.fanOutToArrivalMs)}` +
      (details.deliveriesByStatus
        ? `; deliveries ${Object.entries(details.deliveriesByStatus)
            .map(([status, count]) => `${status} ${count.toLocaleString('en-US')}`)
            .join(', ')} (the warm-up events' included)`
        : ''),
    ...(postgres
      ? [
          `the streamer's PostgreSQL connections (pg_stat_activity every 500 ms): ${figure(postgres.activeAvg, 1)} of ${postgres.poolSize} active on average, ` +
            `all ${postgres.poolSize} busy in ${percent(postgres.allBusyShare)} of samples; busiest: ` +
            postgres.statements
              .slice(0, 5)
              .map((entry) => `${entry.statement} ${figure(entry.share, 2)}`)
              .join(', '),
        ]
      : []),
    ...(perDelivery
      ? [
          `PostgreSQL per delivery (server-wide counters): ${figure(perDelivery['commits'], 2)} commits` +
            (perDelivery['wal_bytes'] !== undefined ? `, ${figure(perDelivery['wal_bytes'])} B of WAL` : '') +
            (perDelivery['wal_sync'] !== undefined ? `, ${figure(perDelivery['wal_sync'], 2)} WAL syncs` : ''),
        ]
      : []),
    `CPU while the streamer ran: ` +
      (machineCpu
        ? `machine ${figure(machineCpu.busyCores, 2)} of ${machineCpu.cores} cores busy (+ ${figure(machineCpu.iowaitCores, 2)} iowait): ` +
          Object.entries(machineCpu.byProcess)
            .map(([label, cores]) => `${label} ${figure(cores, 2)}`)
            .join(', ') +
          '; '
        : '') +
      `event loop busy: streamer's thread ${percent(details.eventLoopUtilization?.streamerThread)}, receiver's ${percent(details.eventLoopUtilization?.receiverThread)}`,
    `baseline: undici request() with ${streamed?.inFlight ?? '-'} posts in flight, the streamer's bodies in fan-out order, a fresh webhook-id each, ` +
      `content-type, user-agent and the three Standard Webhooks headers signed per post (signatureHeader); latency: from signing to the response read`,
    `machine: ${cpus.length} × ${cpus[0]?.model ?? 'unknown CPU'}, ${os.platform()} ${os.release()}, Node ${process.version}; Kafka, the registry and PostgreSQL on the same machine`,
    ...(anomalies.length > 0 ? [`NOTE ${anomalies.join(', ')}`] : []),
    ...report.results.filter((result) => result.error !== null).map((result) => `${result.scenario}: ${result.error ?? ''}`),
  ];
  return [line(header), widths.map((width) => '-'.repeat(width)).join('-+-'), ...rows.map(line), '', ...notes].join('\n');
}

function renderE2eTable(report: E2eReport): string {
  const figure = (value: number | null | undefined, digits = 0) =>
    value === null || value === undefined
      ? '-'
      : value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
  const all = [...report.runs, ...report.probeRuns];
  const verdict = (run: E2eRun) =>
    run.held
      ? 'held'
      : [
          run.api.lagGrew ? 'API lag grew' : '',
          run.api.fellBehind ? 'API behind' : '',
          run.webhook.lagGrew ? 'webhook lag grew' : '',
          run.webhook.fellBehind ? 'webhook behind' : '',
          run.publishShort ? 'publisher short' : '',
          run.failed > 0 ? 'publishes failed' : '',
        ]
          .filter((text) => text !== '')
          .join(', ');
  const rows = all.map((run) => [
    `${run.phase === 'probe' ? 'probe ' : ''}${figure(run.rate)}/s × ${run.seconds} s`,
    figure(run.achievedRate),
    figure(run.published),
    latencyText(run.api.latencyMs, 'p50'),
    latencyText(run.api.latencyMs, 'p99'),
    latencyText(run.api.latencyMs, 'max'),
    figure(run.api.throughput?.arrivedPerSec),
    latencyText(run.webhook.latencyMs, 'p50'),
    latencyText(run.webhook.latencyMs, 'p99'),
    latencyText(run.webhook.latencyMs, 'max'),
    figure(run.webhook.throughput?.arrivedPerSec),
    verdict(run),
  ]);
  const header = [
    'run',
    'achieved/s',
    'events',
    'API p50 ms',
    'API p99 ms',
    'API max ms',
    'API recv/s',
    'hook p50 ms',
    'hook p99 ms',
    'hook max ms',
    'hook recv/s',
    'verdict',
  ];
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, column) =>
        column === 0 || column === cells.length - 1 ? cell.padEnd(widths[column] ?? 0) : cell.padStart(widths[column] ?? 0),
      )
      .join(' | ')
      .trimEnd();
  const pair = (latency: E2eLatency | null | undefined) =>
    latency ? `p50 ${latencyText(latency, 'p50', 0)} / p99 ${latencyText(latency, 'p99', 0)} ms` : '-';
  const { unloaded, sustainable, materializer, streamer, apiStream } = report;
  const cpus = os.cpus();
  const notes = [
    `${report.rates.map((rate) => figure(rate)).join(', ')} events/s for ${report.seconds} s each, then ` +
      (report.probe.seconds > 0
        ? `(run first) a search from ${figure(report.probe.startRate)}/s, doubling while rates hold or halving while they do not, ` +
          `${report.probe.seconds} s each, then ${report.probe.refine} bisection step(s)`
        : 'no search (BENCH_E2E_PROBE_SECONDS=0)') +
      `; ${report.keys.toLocaleString('en-US')} invoices, 1 topic of ${report.partitions} partitions, Kafka value ${report.valueBytes} B; ` +
      `the SDK's publish() paced by the clock, ≤ ${report.window} in flight`,
    `all in this process: startMaterializer() (batch ${materializer.batchSize}, linger ${materializer.lingerMs} ms, concurrency ${materializer.concurrency}), ` +
      `startStreamer() (fan-out linger ${streamer.fanOutLingerMs} ms, ${streamer.maxConcurrency} attempts in flight), startApi() (live tail polled every ` +
      `${apiStream.pollMs} ms, pages of ${apiStream.pageSize}); one schema, one webhook destination (event_types ['*']) to a node:http receiver in a worker thread`,
    `latency: from publish() resolved to (API) ${report.apiMethod}; (hook) the webhook's arrival at the receiver. ` +
      `Events not arrived ${report.drainSeconds} s after the last publish count as the time they waited: ≥ marks a lower bound`,
    `recv/s: the run's events arriving per second while publishing (after the first ${report.windowPercent}% of the time); behind: under ${report.minDeliveryPercent}% of those published meanwhile; ` +
      `lag grew: the p99 of the last ${report.windowPercent}% of a run's events (in publish order) over ${report.growthFactor}× the first ${report.windowPercent}%'s ` +
      `and ${figure(report.growthMinMs)} ms more; a run holds when neither happened on either path and the publisher achieved ≥ ${report.minPublishPercent}% of the rate`,
    unloaded
      ? `unloaded (${unloaded.events} events one at a time, before the runs): API ${pair(unloaded.apiMs)}, webhook ${pair(unloaded.webhookMs)}` +
        (report.startupMs === null ? '' : `; services started and warm in ${figure(report.startupMs / 1000, 1)} s`)
      : '',
    ...all.map(
      (run) =>
        `${run.phase === 'probe' ? 'probe ' : ''}${figure(run.rate)}/s: first → last ${report.windowPercent}%: API ${latencyText(run.api.firstWindowMs, 'p99', 0)} → ` +
        `${latencyText(run.api.lastWindowMs, 'p99', 0)} ms, webhook ${latencyText(run.webhook.firstWindowMs, 'p99', 0)} → ${latencyText(run.webhook.lastWindowMs, 'p99', 0)} ms (p99); ` +
        `at the last publish: materializer lag ${figure(run.atPublishEnd.materializerLag)}, streamer lag ${figure(run.atPublishEnd.streamerLag)} ` +
        `+ ${figure(run.atPublishEnd.pendingDeliveries)} deliveries pending; drained in API ${run.api.drainMs === null ? `- (${figure(run.api.missing)} missing)` : `${figure(run.api.drainMs / 1000, 1)} s`}, ` +
        `webhook ${run.webhook.drainMs === null ? `- (${figure(run.webhook.missing)} missing)` : `${figure(run.webhook.drainMs / 1000, 1)} s`}; ` +
        `publish() ${pair(run.publishLatencyMs)}, pacer ≤ ${figure(run.pacerBehindMaxMs)} ms behind; ` +
        `main thread busy ${Math.round(run.eventLoopUtilization * 100)}%, process ${figure(run.processCpuCores, 2)} cores`,
    ),
    sustainable
      ? `sustainable: ${sustainable.rate === null ? `below ${figure(sustainable.failedAt)}` : figure(sustainable.rate)} events/s` +
        (sustainable.failedAt === null
          ? ` (every rate tried held, up to ${figure(report.probe.maxRate)}/s)`
          : ` (${figure(sustainable.failedAt)}/s did not hold: ${sustainable.reasons.join('; ')})`)
      : '',
    report.apiClient && report.apiClient.connects > 1
      ? `NOTE the live-tail client connected ${report.apiClient.connects} times: ${report.apiClient.notes.join(' | ')}`
      : '',
    ...all
      .filter((run) => run.api.repeats > 0 || run.webhook.repeats > 0)
      .map(
        (run) => `NOTE ${figure(run.rate)}/s: ${run.api.repeats} events repeated on the live tail, ${run.webhook.repeats} webhooks retried`,
      ),
    `machine: ${cpus.length} × ${cpus[0]?.model ?? 'unknown CPU'}, ${os.platform()} ${os.release()}, Node ${process.version}; Kafka, the registry and PostgreSQL on the same machine`,
    report.error ? `e2e: ${report.error}` : '',
  ].filter((note) => note !== '');
  return [line(header), widths.map((width) => '-'.repeat(width)).join('-+-'), ...rows.map(line), '', ...notes].join('\n');
}

interface SummaryRow {
  readonly scenario: Scenario;
  /** What is measured. */
  readonly measure: string;
  readonly headline: string;
  readonly baseline: string;
  /** Headline / baseline, where both are rates. */
  readonly ratio: number | null;
  /** The figures behind the text. */
  readonly values: Readonly<Record<string, number | null>>;
  /** Those of `values` that are only lower bounds (e2e: events that never arrived counted as the time they waited). */
  readonly lowerBounds?: readonly string[];
}

/** One row per headline figure of every scenario that ran, next to its baseline. */
function summaryRows(reports: {
  produce?: ProduceReport | undefined;
  materialize?: MaterializeReport | undefined;
  api?: ApiReport | undefined;
  streamer?: StreamerReport | undefined;
  e2e?: E2eReport | undefined;
}): SummaryRow[] {
  const figure = (value: number | null | undefined, digits = 0) =>
    value === null || value === undefined
      ? '-'
      : value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
  const ratio = (a: number | null | undefined, b: number | null | undefined) =>
    a === null || a === undefined || b === null || b === undefined || b === 0 ? null : a / b;
  const rows: SummaryRow[] = [];
  const { produce, materialize, api, streamer, e2e } = reports;
  if (produce) {
    for (const compression of new Set(produce.results.map((result) => result.compression))) {
      const sdk = produce.results.find((result) => result.client === 'sdk' && result.compression === compression);
      const perf = produce.results.find((result) => result.client === 'producer-perf' && result.compression === compression);
      rows.push({
        scenario: 'produce',
        measure: `SDK publish(), ${compression}`,
        headline: `${figure(sdk?.eventsPerSec)} events/s`,
        baseline: `ProducerPerformance ${compression}: ${perf?.eventsPerSec == null ? 'unavailable' : `${figure(perf.eventsPerSec)} events/s`}`,
        ratio: ratio(sdk?.eventsPerSec, perf?.eventsPerSec),
        values: { eventsPerSec: sdk?.eventsPerSec ?? null, baselineEventsPerSec: perf?.eventsPerSec ?? null },
      });
    }
  }
  if (materialize) {
    const of = (scenario: string) => materialize.results.find((result) => result.scenario === scenario);
    const real = of('materializer');
    const naive = of('floor (naive INSERT)');
    const ceiling = of('ceiling (raw COPY)');
    rows.push({
      scenario: 'materialize',
      measure: 'materializer',
      headline: `${figure(real?.eventsPerSec)} events/s`,
      baseline: `naive INSERT: ${figure(naive?.eventsPerSec)} events/s (raw COPY ceiling ${figure(ceiling?.eventsPerSec)})`,
      ratio: ratio(real?.eventsPerSec, naive?.eventsPerSec),
      values: {
        eventsPerSec: real?.eventsPerSec ?? null,
        baselineEventsPerSec: naive?.eventsPerSec ?? null,
        ceilingEventsPerSec: ceiling?.eventsPerSec ?? null,
      },
    });
  }
  if (api) {
    for (const result of api.results) {
      rows.push({
        scenario: 'api',
        measure: result.scenario,
        headline: `${figure(result.api?.requestsPerSec)} req/s (p99 ${figure(result.api?.latencyMs?.p99, 1)} ms)`,
        baseline: `PostgreSQL, same SQL: ${figure(result.postgres?.queriesPerSec)} q/s (p99 ${figure(result.postgres?.latencyMs?.p99, 1)} ms)`,
        ratio: ratio(result.api?.requestsPerSec, result.postgres?.queriesPerSec),
        values: { requestsPerSec: result.api?.requestsPerSec ?? null, baselineQueriesPerSec: result.postgres?.queriesPerSec ?? null },
      });
    }
  }
  if (streamer) {
    const [streamed, ...baselines] = streamer.results;
    // The undici baseline with the sender's own connections (its pools together), like for like.
    const baseline = baselines.find((result) => result.connections !== null) ?? baselines[0];
    const other = baselines.find((result) => result !== baseline);
    rows.push({
      scenario: 'streamer',
      measure: `${figure(streamer.events)} events × ${streamer.destinations} webhooks`,
      headline: `${figure(streamed?.perSec)} deliveries/s`,
      baseline:
        `undici, ${baseline?.connections ?? baseline?.inFlight ?? '-'} connections: ${figure(baseline?.perSec)} posts/s` +
        (other ? ` (${other.connections ?? other.inFlight} connections: ${figure(other.perSec)})` : ''),
      ratio: ratio(streamed?.perSec, baseline?.perSec),
      values: { deliveriesPerSec: streamed?.perSec ?? null, baselinePostsPerSec: baseline?.perSec ?? null },
    });
  }
  if (e2e) {
    const pair = (latency: E2eLatency | null | undefined) =>
      `p50 ${latencyText(latency, 'p50', 0)} / p99 ${latencyText(latency, 'p99', 0)} ms`;
    const unloaded = e2e.unloaded ? `unloaded: API ${pair(e2e.unloaded.apiMs)}, webhook ${pair(e2e.unloaded.webhookMs)}` : '-';
    for (const run of e2e.runs) {
      rows.push({
        scenario: 'e2e',
        measure: `${figure(run.rate)}/s × ${run.seconds} s (achieved ${figure(run.achievedRate)}/s)`,
        headline: `API ${pair(run.api.latencyMs)}; webhook ${pair(run.webhook.latencyMs)}; ${run.held ? 'held' : 'did not hold'}`,
        baseline: unloaded,
        ratio: null,
        values: {
          rate: run.rate,
          achievedRate: run.achievedRate,
          apiP50Ms: run.api.latencyMs?.p50 ?? null,
          apiP99Ms: run.api.latencyMs?.p99 ?? null,
          webhookP50Ms: run.webhook.latencyMs?.p50 ?? null,
          webhookP99Ms: run.webhook.latencyMs?.p99 ?? null,
          apiMissing: run.api.missing,
          webhookMissing: run.webhook.missing,
          held: run.held ? 1 : 0,
        },
        lowerBounds: [
          ...(['p50', 'p99'] as const).filter((key) => run.api.latencyMs?.atLeast.includes(key)).map((key) => `api${key.toUpperCase()}Ms`),
          ...(['p50', 'p99'] as const)
            .filter((key) => run.webhook.latencyMs?.atLeast.includes(key))
            .map((key) => `webhook${key.toUpperCase()}Ms`),
        ],
      });
    }
    if (e2e.sustainable) {
      const { rate, failedAt, reasons } = e2e.sustainable;
      rows.push({
        scenario: 'e2e',
        measure: 'highest rate without lag growing',
        headline:
          `${rate === null ? `below ${figure(failedAt)}` : figure(rate)} events/s` +
          (failedAt === null ? ' (every rate tried held)' : ` (${figure(failedAt)}/s: ${reasons.join('; ')})`),
        baseline: '-',
        ratio: null,
        values: { sustainableRate: rate, failedAt },
      });
    }
    if (e2e.error) rows.push({ scenario: 'e2e', measure: 'error', headline: e2e.error, baseline: '-', ratio: null, values: {} });
  }
  return rows;
}

function renderSummary(rows: readonly SummaryRow[]): string {
  const cells = rows.map((row) => [
    row.scenario,
    row.measure,
    row.headline,
    row.baseline,
    row.ratio === null ? '' : `${row.ratio.toFixed(2)}×`,
  ]);
  const header = ['scenario', 'measure', 'headline', 'baseline', 'ratio'];
  const widths = header.map((title, column) => Math.max(title.length, ...cells.map((row) => (row[column] ?? '').length)));
  const line = (row: readonly string[]) =>
    row
      .map((cell, column) => (column === row.length - 1 ? cell.padStart(widths[column] ?? 0) : cell.padEnd(widths[column] ?? 0)))
      .join(' | ');
  const cpus = os.cpus();
  return [
    'SUMMARY',
    line(header),
    widths.map((width) => '-'.repeat(width)).join('-+-'),
    ...cells.map(line),
    '',
    `machine: ${cpus.length} × ${cpus[0]?.model ?? 'unknown CPU'}, ${os.platform()} ${os.release()} ${os.arch()}, Node ${process.version}, ${new Date().toISOString()}`,
  ].join('\n');
}

function formatMs(ms: number): string {
  return Number.isInteger(ms) ? String(ms) : ms.toFixed(1);
}

function onDisk(result: ScenarioResult): string {
  const bytes = result.logBytes ?? 0;
  const values = result.events * result.valueBytes;
  return `${(bytes / 1e6).toFixed(1)} MB on the broker's disk (${((bytes / values) * 100).toFixed(0)}% of the value bytes)`;
}

main().catch((error: unknown) => {
  process.stderr.write(`bench: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
