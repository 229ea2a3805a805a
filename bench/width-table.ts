import { figure, machineNote, renderTable } from './lib/format.js';
import type { SummaryRow } from './summary.js';
import type { FanOutResult } from './width-fan-out.js';
import type { IdleResult, WidthReport } from './width.js';

/** Wide ÷ baseline, when both are there and the baseline is not zero. */
function ratioOf(a: number | null | undefined, b: number | null | undefined): number | null {
  return a === null || a === undefined || b === null || b === undefined || b === 0 ? null : a / b;
}

function times(ratio: number | null): string {
  return ratio === null ? '-' : `${ratio.toFixed(1)}×`;
}

function idleRow(result: IdleResult): string[] {
  return [
    result.label,
    figure(result.perSec.transactions, 1),
    figure(result.netPerSec.transactions, 1),
    figure(result.perSec.statements, 1),
    figure(result.netPerSec.statements, 1),
    figure(result.perSec.rowsRead),
    figure(result.processCpuCores, 2),
  ];
}

function fanOutRow(result: FanOutResult): string[] {
  return [
    result.label,
    figure(result.offeredPerSec),
    `${figure(result.delivered)}/${figure(result.expected)}`,
    figure(result.duringPublishPerSec),
    figure(result.perSec),
    figure(result.latencyMs?.p50),
    figure(result.latencyMs?.p99),
    result.drainMs === null ? '-' : figure(result.drainMs / 1000, 1),
    figure(result.transactionsPerDelivery, 2),
    figure(result.failedAttempts),
    figure(result.maxOpenFiles),
  ];
}

/** The two tables (idle database cost, fan-out width) and their notes, as `npm run bench -- width` prints them. */
export function renderWidthTable(report: WidthReport): string {
  const { idle, fanOut, streamer } = report;
  const idleTable = renderTable(
    ['idle: what runs', 'xact/s', 'net xact/s', 'stmt/s', 'net stmt/s', 'rows read/s', 'CPU cores'],
    [idle.background, idle.baseline, idle.wide].map(idleRow),
    [
      `idle, ${idle.wide.destinations} vs ${idle.baseline.destinations} destinations (net of the background): ` +
        `transactions ${times(idle.transactionsRatio)}, statements ${times(idle.statementsRatio)} (the target is at most 2×)`,
      `database ${report.database} of its own: transactions and rows from pg_stat_database, statements from ${report.statementSource}` +
        (report.statementSource === 'client count' ? ' (pg_stat_statements is not in shared_preload_libraries)' : '') +
        `; each window ${figure(idle.baseline.seconds, 1)} s after 12 s to settle (PostgreSQL reports an idle backend's statistics up to 10 s late); CPU: this process (the streamer) in cores`,
    ],
  );
  const { baseline, wide } = fanOut;
  const fanOutTable = renderTable(
    [
      'fan-out',
      'offered/s',
      'delivered',
      'during/s',
      'overall/s',
      'p50 ms',
      'p99 ms',
      'drain s',
      'xact/delivery',
      'failed attempts',
      'max fds',
    ],
    [baseline, wide].map(fanOutRow),
    [
      `deliveries/s, ${wide.destinations} vs ${baseline.destinations} destinations at the same offered rate: ` +
        `overall ${times(ratioOf(wide.perSec, baseline.perSec))}; p99 latency ${times(ratioOf(wide.latencyMs?.p99, baseline.latencyMs?.p99))}`,
      `${figure(baseline.seconds)} s of publishing (invoice.updated, Kafka value ${report.valueBytes} B) to webhooks subscribed to every event, ` +
        `one node:http receiver (a worker thread, 204 at once); during/s: arrivals while publishing per second of it; ` +
        `overall/s: arrivals / (last arrival − first publish); latency: arrival − its event's publish() resolved; ` +
        `drain: last publish → last arrival`,
      `streamer: startStreamer() in this process, ${streamer.maxConcurrency} attempts in flight per destination, timeout ${streamer.timeoutMs} ms, production poll and refresh intervals`,
      `failed attempts: of the run's deliveries (retried on the schedule); max fds: file descriptors of this process at most, ` +
        `its webhook connections counted twice (the receiver's thread shares the process)`,
      ...[baseline, wide].filter((result) => result.error !== null).map((result) => `${result.label}: ${result.error ?? ''}`),
      ...[baseline, wide]
        .filter((result) => result.firstAttemptError !== null)
        .map((result) => `${result.label}, a failed attempt: ${result.firstAttemptError ?? ''}`),
      machineNote(),
    ],
  );
  return `${idleTable}\n\n${fanOutTable}`;
}

/** The summary's rows: the idle cost and the fan-out, each beside its narrow baseline. */
export function widthSummaryRows(report: WidthReport): SummaryRow[] {
  const { idle, fanOut } = report;
  const { baseline, wide } = fanOut;
  const pair = (result: FanOutResult) =>
    `${figure(result.perSec)} deliveries/s (p50 ${figure(result.latencyMs?.p50)} / p99 ${figure(result.latencyMs?.p99)} ms)`;
  return [
    {
      scenario: 'width',
      measure: `idle streamer, ${idle.wide.destinations} destinations`,
      headline: `${figure(idle.wide.netPerSec.transactions, 1)} xact/s, ${figure(idle.wide.netPerSec.statements, 1)} stmt/s`,
      baseline: `${idle.baseline.destinations} destinations: ${figure(idle.baseline.netPerSec.transactions, 1)} xact/s, ${figure(idle.baseline.netPerSec.statements, 1)} stmt/s`,
      ratio: idle.transactionsRatio,
      values: {
        transactionsPerSec: idle.wide.netPerSec.transactions,
        statementsPerSec: idle.wide.netPerSec.statements,
        baselineTransactionsPerSec: idle.baseline.netPerSec.transactions,
        baselineStatementsPerSec: idle.baseline.netPerSec.statements,
        backgroundTransactionsPerSec: idle.background.perSec.transactions,
        statementsRatio: idle.statementsRatio,
      },
    },
    {
      scenario: 'width',
      measure: `${wide.destinations} webhooks × ${figure(wide.rate)} events/s`,
      headline: pair(wide),
      baseline: `${baseline.destinations} webhooks × ${figure(baseline.rate)} events/s: ${pair(baseline)}`,
      ratio: ratioOf(wide.perSec, baseline.perSec),
      values: {
        deliveriesPerSec: wide.perSec,
        p50Ms: wide.latencyMs?.p50 ?? null,
        p99Ms: wide.latencyMs?.p99 ?? null,
        missing: wide.expected - wide.delivered,
        baselineDeliveriesPerSec: baseline.perSec,
        baselineP50Ms: baseline.latencyMs?.p50 ?? null,
        baselineP99Ms: baseline.latencyMs?.p99 ?? null,
        baselineMissing: baseline.expected - baseline.delivered,
      },
    },
  ];
}
