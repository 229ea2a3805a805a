import { figure, formatMs, machineNote, percent, renderTable } from './lib/format.js';
import type { ApiReport } from './api.js';
import type { IngestReport, IngestResult } from './ingest.js';
import type { MaterializeReport } from './materialize.js';
import type { ProduceReport, ScenarioResult } from './produce.js';
import type { StreamerReport } from './streamer.js';

/** Each scenario's table and the notes under it, as `npm run bench` prints them (the e2e one: e2e-table.ts). */

export function renderProduceTable(report: ProduceReport): string {
  const rows = report.results.map((result) => [
    result.scenario,
    result.eventsPerSec === null ? 'failed' : Math.round(result.eventsPerSec).toLocaleString('en-US'),
    result.mbPerSec === null ? '-' : result.mbPerSec.toFixed(2),
    result.latencyMs === null ? '-' : formatMs(result.latencyMs.p50),
    result.latencyMs === null ? '-' : formatMs(result.latencyMs.p99),
  ]);
  const header = ['scenario', 'events/s', 'MB/s', 'p50 ms', 'p99 ms'];
  const notes = [
    `${report.events.toLocaleString('en-US')} events per scenario, value ${report.record.valueBytes} B (MB = 10^6 B of values), ` +
      `${report.partitions} partitions, ${report.keys.toLocaleString('en-US')} keys, acks=all, idempotent; SDK window ${report.window} publishes in flight`,
    ...report.results.filter((result) => result.logBytes !== null).map((result) => `${result.scenario}: ${onDisk(result)}`),
    ...report.results.filter((result) => result.error !== null).map((result) => `${result.scenario}: ${result.error ?? ''}`),
  ];
  return renderTable(header, rows, notes);
}

export function renderMaterializeTable(report: MaterializeReport): string {
  const rows = report.results.map((result) => [
    result.scenario,
    result.events.toLocaleString('en-US'),
    result.eventsPerSec === null ? 'failed' : figure(result.eventsPerSec),
    result.elapsedMs === null ? '-' : figure(result.elapsedMs / 1000, 1),
    result.startupMs === null ? '-' : figure(result.startupMs / 1000, 1),
    figure(result.eventsPerSecAfterStartup),
  ]);
  const header = ['scenario', 'events', 'events/s', 'elapsed s', 'start-up s', 'events/s after start-up'];
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
  return renderTable(header, rows, notes);
}

export function renderApiTable(report: ApiReport): string {
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
  return renderTable(header, rows, notes);
}

export function renderStreamerTable(report: StreamerReport): string {
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
  const pair = (summary: Summary) => (summary ? `p50 ${figure(summary.p50 / 1000, 1)} s / p99 ${figure(summary.p99 / 1000, 1)} s` : '-');
  const { fanOut, phases, breakdown, postgres, machineCpu } = details;
  const perDelivery = details.postgresCounters?.perDelivery;
  const anomalies = [
    details.repeatedWebhookIds ? `${details.repeatedWebhookIds} repeated webhook-ids (retries)` : '',
    details.failedAttempts ? `${details.failedAttempts} failed attempts` : '',
    details.unmatchedEventIds ? `${details.unmatchedEventIds} bodies with an unknown event id` : '',
  ].filter((text) => text !== '');
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
    machineNote(),
    ...(anomalies.length > 0 ? [`NOTE ${anomalies.join(', ')}`] : []),
    ...report.results.filter((result) => result.error !== null).map((result) => `${result.scenario}: ${result.error ?? ''}`),
  ];
  return renderTable(header, rows, notes);
}

function onDisk(result: ScenarioResult): string {
  const bytes = result.logBytes ?? 0;
  const values = result.events * result.valueBytes;
  return `${(bytes / 1e6).toFixed(1)} MB on the broker's disk (${((bytes / values) * 100).toFixed(0)}% of the value bytes)`;
}

export function renderIngestTable(report: IngestReport): string {
  const http = report.results.find((result) => result.client === 'http');
  const sdk = report.results.find((result) => result.client === 'sdk');
  const ratio = http?.eventsPerSec != null && sdk?.eventsPerSec ? `${(http.eventsPerSec / sdk.eventsPerSec).toFixed(2)}×` : '-';
  const rows = [
    [
      `${report.batchSize} per request × ${report.connections}`,
      http?.eventsPerSec == null ? 'failed' : figure(http.eventsPerSec),
      figure(http?.latencyMs?.p50, 1),
      figure(http?.latencyMs?.p99, 1),
      sdk?.eventsPerSec == null ? 'failed' : figure(sdk.eventsPerSec),
      figure(sdk?.latencyMs?.p50, 1),
      figure(sdk?.latencyMs?.p99, 1),
      ratio,
    ],
  ];
  const header = ['batches', 'HTTP events/s', 'HTTP p50 ms', 'HTTP p99 ms', 'SDK events/s', 'SDK p50 ms', 'SDK p99 ms', 'HTTP/SDK'];
  const usage = (result: IngestResult | undefined) =>
    result ? `${result.scenario} ${figure(result.cpuCores, 2)} cores, event loop busy ${percent(result.eventLoopBusy)}` : '-';
  const notes = [
    `${report.events.toLocaleString('en-US')} invoice.updated events each way (Kafka value ${report.valueBytes} B; request body ${report.bodyBytes.toLocaleString('en-US')} B of JSON), ` +
      `${report.partitions} partitions, fresh topics per side, acks=all; latency per request (HTTP: body built, posted, answer read) or per publishBatch call (SDK)`,
    `HTTP: POST /api/v1/events/batch to the API in this process (undici, ${report.connections} keep-alive connections, one request in flight each), ` +
      `its publisher made as the SDK side's; SDK: publishBatch of the same events, ${report.connections} calls in flight`,
    `CPU of this process while each side ran (API and load client share it): ${usage(http)}; ${usage(sdk)}`,
    machineNote(),
    ...report.results.filter((result) => result.error !== null).map((result) => `${result.scenario}: ${result.error ?? ''}`),
  ];
  return renderTable(header, rows, notes);
}
