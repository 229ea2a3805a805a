import type { Fault } from './recovery.js';
import type { ScenarioResult } from './scenario.js';
import { formatLatency } from './latency.js';

export interface RunReport {
  readonly runId: string;
  readonly startedAt: string;
  readonly durationMs: number;
  readonly passed: boolean;
  readonly scenarios: readonly ScenarioResult[];
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/** The recovery times of one kind over a scenario's faults: one value, a range, "none" (never recovered) or "–" (not measured). */
function recovery(faults: readonly Fault[], pick: (fault: Fault) => number | null | undefined): string {
  const values = faults.map(pick).filter((value) => value !== undefined);
  if (values.length === 0) return '–';
  if (values.some((value) => value === null)) return 'none';
  const times = values as number[];
  const least = Math.min(...times);
  const most = Math.max(...times);
  return least === most ? seconds(most) : `${seconds(least)}–${seconds(most)}`.replace(' s–', '–');
}

const header = [
  '#',
  'scenario',
  'injected',
  'sent (acked)',
  'stored',
  'delivered',
  'dup stored',
  'attempts / requests',
  'dead letters',
  'recover store',
  'recover deliver',
  'latency before → after (p50 / p99 ms)',
  'result',
];

function row(result: ScenarioResult): string[] {
  const f = result.figures;
  const failed = f?.deliveryStatuses['failed'] ?? 0;
  return [
    result.id,
    result.title,
    result.injected,
    f ? `${f.sent} (${f.acked})` : '–',
    f ? `${f.stored}${f.lost > 0 ? ` (${f.lost} lost)` : ''}` : '–',
    f ? `${f.delivered}${failed > 0 ? ` (${failed} failed)` : ''}` : '–',
    f ? String(f.duplicates) : '–',
    f ? `${f.attempts} / ${f.requests}` : '–',
    f ? String(f.deadLetters) : '–',
    recovery(result.faults, (fault) => fault.recoverStoreMs),
    recovery(result.faults, (fault) => fault.recoverDeliverMs),
    result.latency ? `${formatLatency(result.latency.before)} → ${formatLatency(result.latency.after)}` : '–',
    result.passed ? 'PASS' : 'FAIL',
  ];
}

/** The scenarios in their numbered order (a run takes the single-node ones first). */
const numbered = (report: RunReport) => [...report.scenarios].sort((a, b) => a.id.localeCompare(b.id, 'en', { numeric: true }));

/** The figures as one Markdown table, scenarios in their numbered order. */
export function renderTable(report: RunReport): string {
  const rows = numbered(report).map(row);
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((cells) => (cells[column] ?? '').length)));
  const line = (cells: readonly string[]) => `| ${cells.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join(' | ')} |`;
  return [line(header), line(widths.map((width) => '-'.repeat(width))), ...rows.map(line)].join('\n');
}

/** The table, then each fault's recovery, each broken guarantee and each note, as Markdown. */
export function renderMarkdown(report: RunReport): string {
  const lines = [
    `Chaos run ${report.runId}, started ${report.startedAt}, took ${seconds(report.durationMs)}: ${report.passed ? 'every scenario passed' : 'FAILED'}.`,
    '',
    renderTable(report),
    '',
  ];
  for (const result of numbered(report)) {
    const f = result.figures;
    lines.push(`${result.id}. ${result.title} (\`${result.name}\`, ${seconds(result.durationMs)})`);
    if (f) {
      const statuses = Object.entries(f.deliveryStatuses)
        .map(([status, n]) => `${n} ${status}`)
        .join(', ');
      lines.push(
        `   - publishes: ${f.sent} sent, ${f.acked} acknowledged, ${f.rejected} rejected (${f.storedUnacknowledged} of those stored anyway); ` +
          `deliveries: ${statuses || 'none'}; settled ${seconds(f.settleMs)} after the load stopped`,
        `   - store: ${f.stored} of ${f.acked} acknowledged events stored, ${f.lost} lost, ${f.misplaced} from another offset than acknowledged, ` +
          `${f.duplicates} stored twice; entities: ${f.versionMismatches} with a wrong version, ${f.stateMismatches} with a stale state`,
        `   - attempts on record ${f.attempts}, requests seen ${f.requests}: ${f.unlogged} requests not on record, ` +
          `${f.phantom} concluded attempts never seen, ${f.unknownUnsent} \`unknown\` attempts that never arrived (worker killed before sending); ` +
          `${f.duplicateDeliveries} events with two deliveries, ${f.deliveredUnseen} delivered but never accepted, ${f.unverified} unverified signatures`,
      );
    }
    for (const fault of result.faults) {
      // A failover's clock starts at the loss itself (backAt = at): there is no "down" span to show.
      const parts = fault.backAt > fault.at ? [`down ${seconds(fault.backAt - fault.at)}`] : [];
      if (fault.recoverStoreMs !== undefined)
        parts.push(`first stored ${fault.recoverStoreMs === null ? 'never' : seconds(fault.recoverStoreMs)}`);
      if (fault.recoverDeliverMs !== undefined)
        parts.push(`first delivered ${fault.recoverDeliverMs === null ? 'never' : seconds(fault.recoverDeliverMs)}`);
      lines.push(`   - ${fault.what}: ${parts.join(', ')}`);
    }
    for (const note of result.notes) lines.push(`   - ${note}`);
    for (const problem of result.problems) lines.push(`   - **broken**: ${problem}`);
  }
  return `${lines.join('\n')}\n`;
}
