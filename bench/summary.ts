import os from 'node:os';
import { figure, tableLines } from './lib/format.js';
import type { ApiReport } from './api.js';
import type { IngestReport, IngestResult } from './ingest.js';
import type { KafkaClientsReport } from './kafka-clients/index.js';
import { latencyText, type E2eLatency, type E2eReport } from './e2e.js';
import type { MaterializeReport } from './materialize.js';
import type { ProduceReport } from './produce.js';
import type { StreamerReport } from './streamer.js';
import type { DestinationsReport } from './destinations.js';
import type { WidthReport } from './width.js';
import { widthSummaryRows } from './width-table.js';

/** The scenarios, in the order `npm run bench` runs them. */
export const scenarios = ['produce', 'materialize', 'api', 'streamer', 'e2e', 'ingest', 'kafka-clients', 'width', 'destinations'] as const;
export type Scenario = (typeof scenarios)[number];

/**
 * What `npm run bench` runs when no scenario is named: all but the client comparison, which
 * measures Kafka clients rather than the pipeline, HTTP ingest, a comparison of two ways in, and
 * width, which creates a thousand destinations and a database of its own, and destinations, which
 * needs RabbitMQ and NATS on the machine.
 */
const namedOnly: readonly Scenario[] = ['kafka-clients', 'ingest', 'width', 'destinations'];
export const defaultScenarios: readonly Scenario[] = scenarios.filter((scenario) => !namedOnly.includes(scenario));

export interface SummaryRow {
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
export function summaryRows(reports: {
  produce?: ProduceReport | undefined;
  materialize?: MaterializeReport | undefined;
  api?: ApiReport | undefined;
  streamer?: StreamerReport | undefined;
  e2e?: E2eReport | undefined;
  ingest?: IngestReport | undefined;
  kafkaClients?: KafkaClientsReport | undefined;
  width?: WidthReport | undefined;
  destinations?: DestinationsReport | undefined;
}): SummaryRow[] {
  const ratio = (a: number | null | undefined, b: number | null | undefined) =>
    a === null || a === undefined || b === null || b === undefined || b === 0 ? null : a / b;
  const rows: SummaryRow[] = [];
  const { produce, materialize, api, streamer, e2e, ingest, kafkaClients, width, destinations } = reports;
  if (produce) {
    for (const compression of new Set(produce.results.map((result) => result.compression))) {
      const of = (client: string) => produce.results.find((result) => result.client === client && result.compression === compression);
      const [sdk, before, raw, perf] = [of('sdk'), of('sdk-kafkajs'), of('raw'), of('producer-perf')];
      rows.push({
        scenario: 'produce',
        measure: `SDK publish(), ${compression}`,
        headline: `${figure(sdk?.eventsPerSec)} events/s`,
        baseline: `SDK on kafkajs, 1 in flight: ${figure(before?.eventsPerSec)} events/s`,
        ratio: ratio(sdk?.eventsPerSec, before?.eventsPerSec),
        values: {
          eventsPerSec: sdk?.eventsPerSec ?? null,
          baselineEventsPerSec: before?.eventsPerSec ?? null,
          rawClientEventsPerSec: raw?.eventsPerSec ?? null,
          sdkToRawClient: ratio(sdk?.eventsPerSec, raw?.eventsPerSec),
          producerPerformanceEventsPerSec: perf?.eventsPerSec ?? null,
          sdkToProducerPerformance: ratio(sdk?.eventsPerSec, perf?.eventsPerSec),
        },
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
    const unloaded =
      (e2e.unloaded ? `unloaded: API ${pair(e2e.unloaded.apiMs)}, webhook ${pair(e2e.unloaded.webhookMs)}` : '-') +
      (e2e.idle ? `; idle: API ${pair(e2e.idle.apiMs)}, webhook ${pair(e2e.idle.webhookMs)}` : '');
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
  if (ingest) {
    const http = ingest.results.find((result) => result.client === 'http');
    const sdk = ingest.results.find((result) => result.client === 'sdk');
    const rate = (result: IngestResult | undefined) =>
      result?.eventsPerSec == null
        ? 'failed'
        : `${figure(result.eventsPerSec)} events/s (p50 ${figure(result.latencyMs?.p50, 1)} / p99 ${figure(result.latencyMs?.p99, 1)} ms)`;
    rows.push({
      scenario: 'ingest',
      measure: `POST /api/v1/events/batch, ${ingest.batchSize} per request × ${ingest.connections}`,
      headline: rate(http),
      baseline: `SDK publishBatch alike: ${rate(sdk)}`,
      ratio: ratio(http?.eventsPerSec, sdk?.eventsPerSec),
      values: {
        eventsPerSec: http?.eventsPerSec ?? null,
        p50Ms: http?.latencyMs?.p50 ?? null,
        p99Ms: http?.latencyMs?.p99 ?? null,
        baselineEventsPerSec: sdk?.eventsPerSec ?? null,
        baselineP50Ms: sdk?.latencyMs?.p50 ?? null,
        baselineP99Ms: sdk?.latencyMs?.p99 ?? null,
      },
    });
  }
  if (kafkaClients) {
    for (const row of kafkaClients.rows.filter((candidate) => candidate.client !== 'Java')) {
      const reference = row.workload === 'consume + work per batch' ? 'consume, commit per batch' : row.workload;
      const java = kafkaClients.rows.find((candidate) => candidate.client === 'Java' && candidate.workload === reference);
      rows.push({
        scenario: 'kafka-clients',
        measure: `${row.client}, ${row.workload}`,
        headline: `${figure(row.medianPerSec)} records/s`,
        baseline: `Java ${reference}: ${java?.medianPerSec == null ? 'unavailable' : `${figure(java.medianPerSec)} records/s`}`,
        ratio: row.medianRatio,
        values: { recordsPerSec: row.medianPerSec, baselineRecordsPerSec: java?.medianPerSec ?? null },
      });
    }
  }
  if (width) rows.push(...widthSummaryRows(width));
  for (const result of destinations?.results ?? []) {
    rows.push({
      scenario: 'destinations',
      measure: `${result.type} destination, ${figure(result.events)} events`,
      headline: `${figure(result.deliveriesPerSec)} deliveries/s`,
      baseline: `${result.type}'s own client: ${figure(result.ceilingPerSec)} messages/s`,
      ratio: ratio(result.deliveriesPerSec, result.ceilingPerSec),
      values: { deliveriesPerSec: result.deliveriesPerSec, baselineMessagesPerSec: result.ceilingPerSec },
    });
  }
  return rows;
}

export function renderSummary(rows: readonly SummaryRow[]): string {
  const cells = rows.map((row) => [
    row.scenario,
    row.measure,
    row.headline,
    row.baseline,
    row.ratio === null ? '' : `${row.ratio.toFixed(2)}×`,
  ]);
  const header = ['scenario', 'measure', 'headline', 'baseline', 'ratio'];
  const cpus = os.cpus();
  return [
    'SUMMARY',
    // Only the ratio is a figure.
    ...tableLines(header, cells, (column, columns) => column !== columns - 1),
    '',
    `machine: ${cpus.length} × ${cpus[0]?.model ?? 'unknown CPU'}, ${os.platform()} ${os.release()} ${os.arch()}, Node ${process.version}, ${new Date().toISOString()}`,
  ].join('\n');
}
