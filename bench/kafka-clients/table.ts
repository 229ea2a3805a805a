import { figure, renderTable } from '../lib/format.js';
import { nearestRank, sortedCopy } from '../lib/percentiles.js';

/** The kafka-clients scenario's figures and its table. Pure. */

export const clients = ['kafkajs', '@platformatic/kafka', 'Java'] as const;
export type Client = (typeof clients)[number];

export const workloads = ['produce none', 'produce gzip', 'consume, commit per batch', 'consume + work per batch'] as const;
export type WorkloadName = (typeof workloads)[number];

/** What one client did in one run. */
export interface Measured {
  readonly records: number;
  readonly elapsedMs: number;
  /** Client-specific observations (requests in flight, batches, logged warnings, the tool's own line). */
  readonly detail: Readonly<Record<string, unknown>>;
}

export interface RunResult {
  readonly round: number;
  readonly workload: WorkloadName;
  readonly client: Client;
  readonly topic: string;
  readonly recordsPerSec: number | null;
  readonly elapsedMs: number | null;
  readonly error: string | null;
  readonly detail: Readonly<Record<string, unknown>>;
}

export interface ClientRow {
  readonly workload: WorkloadName;
  readonly client: Client;
  /** Nearest-rank median over the rounds that succeeded; null when none did. */
  readonly medianPerSec: number | null;
  /** Nearest-rank median of (records/s ÷ Java's records/s in the same round). */
  readonly medianRatio: number | null;
  readonly perRound: readonly (number | null)[];
  readonly failures: number;
}

function median(values: readonly number[]): number | null {
  return values.length === 0 ? null : nearestRank(sortedCopy(values), 0.5);
}

/** The Java run a client's run is compared with: the same round, the same workload; plain consume for consume + work (Java does no work). */
function javaReference(workload: WorkloadName): WorkloadName {
  return workload === 'consume + work per batch' ? 'consume, commit per batch' : workload;
}

/** A row per workload and client that ran, in workload then client order. */
export function summarizeRuns(runs: readonly RunResult[], rounds: number): ClientRow[] {
  const rows: ClientRow[] = [];
  for (const workload of workloads) {
    for (const client of clients) {
      const own = runs.filter((run) => run.workload === workload && run.client === client);
      if (own.length === 0) continue;
      const perRound = Array.from({ length: rounds }, (_, round) => own.find((run) => run.round === round)?.recordsPerSec ?? null);
      const ratios = perRound.flatMap((perSec, round) => {
        const java = runs.find(
          (run) => run.round === round && run.client === 'Java' && run.workload === javaReference(workload),
        )?.recordsPerSec;
        return perSec === null || java === null || java === undefined || java === 0 ? [] : [perSec / java];
      });
      rows.push({
        workload,
        client,
        medianPerSec: median(perRound.filter((perSec): perSec is number => perSec !== null)),
        medianRatio: median(ratios),
        perRound,
        failures: own.filter((run) => run.error !== null).length,
      });
    }
  }
  return rows;
}

export interface ClientsReport {
  readonly rounds: number;
  readonly rows: readonly ClientRow[];
  /** Lines under the table: the workload, what each client ran with, what the runs observed. */
  readonly notes: readonly string[];
}

export function renderClientsTable(report: ClientsReport): string {
  const header = ['workload', 'client', 'records/s (median)', '× Java (median)', 'ok', 'records/s per round'];
  const rows = report.rows.map((row) => [
    row.workload,
    row.client,
    figure(row.medianPerSec),
    row.medianRatio === null ? '-' : `${row.medianRatio.toFixed(2)}×`,
    `${report.rounds - row.failures}/${report.rounds}`,
    row.perRound.map((perSec) => (perSec === null ? 'failed' : figure(perSec))).join(' '),
  ]);
  return renderTable(header, rows, report.notes, (column, columns) => column < 2 || column === columns - 1);
}
