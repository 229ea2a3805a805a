import type pg from 'pg';
import { eventIdTime } from '../core/ids.js';

/**
 * Where the time of an unloaded event goes, stage by stage, from the clocks each stage leaves
 * behind: the event id (made when `publish` is called), the publish's acknowledgement, the
 * materializer's transaction (`events.ingested_at`), the fan-out's (`deliveries.created_at`), the
 * attempt's start (`delivery_attempts.attempted_at`) and the two arrivals. One machine, one clock.
 * PostgreSQL's `now()` is the start of a transaction, so a stage that ends in one includes none of
 * that transaction's work: its commit falls in the stage after.
 */
export interface StageTimes {
  readonly eventId: string;
  readonly ackedAt: number;
  readonly apiAt: number | undefined;
  readonly webhookAt: number | undefined;
}

/** Each stage's median over the events, in ms, in the order an event passes them. */
export type StageBreakdown = readonly { readonly stage: string; readonly medianMs: number | null }[];

export async function stageBreakdown(probe: pg.Client, events: readonly StageTimes[]): Promise<StageBreakdown> {
  const ids = events.map((event) => event.eventId);
  const { rows } = await probe.query<{ id: string; stored: number; fanned: number | null; attempted: number | null }>(
    `select e.id,
            extract(epoch from e.ingested_at) * 1000 as stored,
            extract(epoch from min(d.created_at)) * 1000 as fanned,
            extract(epoch from min(a.attempted_at)) * 1000 as attempted
       from events e
       left join deliveries d on d.event_id = e.id
       left join delivery_attempts a on a.delivery_id = d.id
      where e.id = any($1) group by e.id, e.ingested_at`,
    [ids],
  );
  const byId = new Map(rows.map((row) => [row.id, row]));
  const stages: [string, (event: StageTimes) => number | undefined][] = [];
  const at = (event: StageTimes) => byId.get(event.eventId);
  const num = (value: number | string | null | undefined) => (value === null || value === undefined ? undefined : Number(value));
  stages.push(
    ['publish → acknowledged', (event) => event.ackedAt - eventIdTime(event.eventId)],
    ['acknowledged → materializer transaction', (event) => diff(num(at(event)?.stored), event.ackedAt)],
    ['materializer transaction → API live tail', (event) => diff(event.apiAt, num(at(event)?.stored))],
    ['materializer transaction → fan-out transaction', (event) => diff(num(at(event)?.fanned), num(at(event)?.stored))],
    ['fan-out transaction → attempt starts', (event) => diff(num(at(event)?.attempted), num(at(event)?.fanned))],
    ['attempt starts → webhook receives', (event) => diff(event.webhookAt, num(at(event)?.attempted))],
  );
  return stages.map(([stage, of]) => ({ stage, medianMs: median(events.map(of)) }));
}

function diff(end: number | undefined, start: number | undefined): number | undefined {
  return end === undefined || start === undefined ? undefined : end - start;
}

function median(values: readonly (number | undefined)[]): number | null {
  const present = values.filter((value): value is number => value !== undefined).sort((a, b) => a - b);
  if (present.length === 0) return null;
  const middle = Math.floor(present.length / 2);
  return present.length % 2 === 1 ? (present[middle] ?? null) : ((present[middle - 1] ?? 0) + (present[middle] ?? 0)) / 2;
}

/** One line per stage, for the run's log and the table's notes. */
export function stagesText(stages: StageBreakdown): string {
  return stages.map(({ stage, medianMs }) => `${stage} ${medianMs === null ? '-' : medianMs.toFixed(1)} ms`).join('; ');
}
