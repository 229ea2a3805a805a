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

/** Each stage's median and p99 over the events, in ms, in the order an event passes them. */
export type StageBreakdown = readonly { readonly stage: string; readonly medianMs: number | null; readonly p99Ms: number | null }[];

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
  return stages.map(([stage, of]) => {
    const values = events.map(of);
    return { stage, medianMs: quantile(values, 0.5), p99Ms: quantile(values, 0.99) };
  });
}

function diff(end: number | undefined, start: number | undefined): number | undefined {
  return end === undefined || start === undefined ? undefined : end - start;
}

/** The q-quantile (nearest rank; the median of an even count is the mean of the middle two). */
function quantile(values: readonly (number | undefined)[], q: number): number | null {
  const present = values.filter((value): value is number => value !== undefined).sort((a, b) => a - b);
  if (present.length === 0) return null;
  if (q === 0.5 && present.length % 2 === 0) return ((present[present.length / 2 - 1] ?? 0) + (present[present.length / 2] ?? 0)) / 2;
  return present[Math.min(present.length - 1, Math.ceil(q * present.length) - 1)] ?? null;
}

const ms = (value: number | null) => (value === null ? '-' : value.toFixed(1));

/** One line per stage (medians, and p99s when asked), for the run's log and the table's notes. */
export function stagesText(stages: StageBreakdown, withP99 = false): string {
  return stages.map(({ stage, medianMs, p99Ms }) => `${stage} ${ms(medianMs)}${withP99 ? ` / ${ms(p99Ms)}` : ''} ms`).join('; ');
}

/** Every nth id, so that at most `most` are looked up. */
export function sampleEvenly<T>(items: readonly T[], most: number): T[] {
  const step = Math.max(1, Math.ceil(items.length / most));
  return items.filter((_, i) => i % step === 0);
}
