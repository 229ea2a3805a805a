import { stagesText } from './e2e-stages.js';
import { figure, machineNote, renderTable } from './lib/format.js';
import { idleWarmUpEvents, idleWarmUpRate, latencyText, type E2eLatency, type E2eReport, type E2eRun } from './e2e.js';

/** The e2e scenario's table: a row per run (the fixed rates, then the search's steps), then the notes. */
export function renderE2eTable(report: E2eReport): string {
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
  const pair = (latency: E2eLatency | null | undefined) =>
    latency ? `p50 ${latencyText(latency, 'p50', 0)} / p99 ${latencyText(latency, 'p99', 0)} ms` : '-';
  const { unloaded, sustainable, materializer, streamer, apiStream } = report;
  const notes = [
    `${report.rates.map((rate) => figure(rate)).join(', ')} events/s for ${report.seconds} s each, then ` +
      (report.probe.seconds > 0
        ? `(run first) a search from ${figure(report.probe.startRate)}/s, doubling while rates hold or halving while they do not, ` +
          `${report.probe.seconds} s each, then ${report.probe.refine} bisection step(s)`
        : 'no search (BENCH_E2E_PROBE_SECONDS=0)') +
      `; ${report.keys.toLocaleString('en-US')} invoices, 1 topic of ${report.partitions} partitions, Kafka value ${report.valueBytes} B; ` +
      `the SDK's publish() paced by the clock, ≤ ${report.window} in flight`,
    `${report.services === 'processes' ? 'three `evp` processes (BENCH_E2E_SERVICES=processes): materializer' : 'all in this process: startMaterializer()'} ` +
      `(batch ${materializer.batchSize}, linger ${materializer.lingerMs} ms, concurrency ${materializer.concurrency}), ` +
      `${report.services === 'processes' ? 'streamer' : 'startStreamer()'} (fan-out linger ${streamer.fanOutLingerMs} ms, ${streamer.maxConcurrency} attempts in flight), ` +
      `${report.services === 'processes' ? 'api' : 'startApi()'} (live tail woken by the materializer's notices, polled every ` +
      `${apiStream.pollMs} ms as a safety net, pages of ${apiStream.pageSize}); one schema, one webhook destination (event_types ['*']) to a node:http receiver in a worker thread`,
    `latency: from publish() resolved to (API) ${report.apiMethod}; (hook) the webhook's arrival at the receiver. ` +
      `Events not arrived ${report.drainSeconds} s after the last publish count as the time they waited: ≥ marks a lower bound`,
    `recv/s: the run's events arriving per second while publishing (after the first ${report.windowPercent}% of the time); behind: under ${report.minDeliveryPercent}% of those published meanwhile; ` +
      `lag grew: the p99 of the last ${report.windowPercent}% of a run's events (in publish order) over ${report.growthFactor}× the first ${report.windowPercent}%'s ` +
      `and ${figure(report.growthMinMs)} ms more; a run holds when neither happened on either path and the publisher achieved ≥ ${report.minPublishPercent}% of the rate`,
    unloaded
      ? `unloaded (${unloaded.events} events one at a time, before the runs): API ${pair(unloaded.apiMs)}, webhook ${pair(unloaded.webhookMs)}` +
        (report.startupMs === null ? '' : `; services started and warm in ${figure(report.startupMs / 1000, 1)} s`) +
        `; where the time goes (medians): ${stagesText(unloaded.stages)}`
      : '',
    report.idle
      ? `idle (after ${idleWarmUpEvents} events at ${idleWarmUpRate}/s, ${report.idle.events} one at a time): API ${pair(report.idle.apiMs)}, webhook ${pair(report.idle.webhookMs)}` +
        `; where the time goes (medians): ${stagesText(report.idle.stages)}`
      : '',
    ...all.map(
      (run) =>
        `${run.phase === 'probe' ? 'probe ' : ''}${figure(run.rate)}/s: first → last ${report.windowPercent}%: API ${latencyText(run.api.firstWindowMs, 'p99', 0)} → ` +
        `${latencyText(run.api.lastWindowMs, 'p99', 0)} ms, webhook ${latencyText(run.webhook.firstWindowMs, 'p99', 0)} → ${latencyText(run.webhook.lastWindowMs, 'p99', 0)} ms (p99); ` +
        `at the last publish: materializer lag ${figure(run.atPublishEnd.materializerLag)}, streamer lag ${figure(run.atPublishEnd.streamerLag)} ` +
        `+ ${figure(run.atPublishEnd.pendingDeliveries)} deliveries pending; drained in API ${run.api.drainMs === null ? `- (${figure(run.api.missing)} missing)` : `${figure(run.api.drainMs / 1000, 1)} s`}, ` +
        `webhook ${run.webhook.drainMs === null ? `- (${figure(run.webhook.missing)} missing)` : `${figure(run.webhook.drainMs / 1000, 1)} s`}; ` +
        `publish() ${pair(run.publishLatencyMs)}, pacer ≤ ${figure(run.pacerBehindMaxMs)} ms behind; ` +
        `main thread busy ${Math.round(run.eventLoopUtilization * 100)}%, process ${figure(run.processCpuCores, 2)} cores; ` +
        `where the time goes (p50 / p99): ${stagesText(run.stages, true)}`,
    ),
    sustainable
      ? `sustainable${report.probe.path === 'api' ? ' (publish → API live tail only)' : ''}: ${sustainable.rate === null ? `below ${figure(sustainable.failedAt)}` : figure(sustainable.rate)} events/s` +
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
    machineNote(),
    report.error ? `e2e: ${report.error}` : '',
  ].filter((note) => note !== '');
  // The run and its verdict are text.
  return renderTable(header, rows, notes, (column, columns) => column === 0 || column === columns - 1);
}
