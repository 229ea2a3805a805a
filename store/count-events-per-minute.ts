import { eventIdFloor } from '../core/ids.js';
import type { Database } from './query.js';

export interface EventCountRow {
  /** The minute's start, ms since the epoch (a bigint, which pg hands over as text). */
  readonly minute_ms: string;
  readonly type: string;
  readonly severity: string;
  readonly count: number;
}

/**
 * How many of the organization's events were created in each minute of [fromMs, toMs), per type
 * and severity; only non-zero buckets, by minute then type. The time bounds become event id
 * bounds (an id starts with its creation time), so the organization's index and the day
 * partitions serve the scan; the minute is read from the id as well: its first 48 bits are the
 * creation time in ms.
 */
export async function countEventsPerMinute(db: Database, organizationId: string, fromMs: number, toMs: number): Promise<EventCountRow[]> {
  const { rows } = await db.query<EventCountRow>(
    `select ${idTimeSql} / 60000 * 60000 as minute_ms, e.type, e.severity, count(*)::int as count
       from events e
      where e.organization_id = $1 and e.id >= $2 and e.id < $3
      group by 1, e.type, e.severity
      order by 1, e.type, e.severity`,
    [organizationId, eventIdFloor(fromMs), eventIdFloor(toMs)],
  );
  return rows;
}

// 'evt_tttttttt-tttt-…': the 12 hex digits of the time, read as a 64-bit integer.
const idTimeSql = `('x' || lpad(replace(substr(e.id, 5, 13), '-', ''), 16, '0'))::bit(64)::bigint`;
