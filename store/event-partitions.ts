import type pg from 'pg';
import type { Logger } from '../adapters/logger.js';

/**
 * The event log is range-partitioned by event id, one partition per UTC day. An id is `evt_` +
 * a UUIDv7 whose first 12 hex digits are its creation time in ms, so the bounds of a day are the
 * id prefixes of its first and next day's first millisecond (compared bytewise: the columns use
 * the "C" collation). Retention drops whole days: no row-by-row deletes, no bloat, no long locks.
 */
const dayMs = 86_400_000;

/** Days since the Unix epoch (UTC) of a time in ms. */
export function dayOf(ms: number): number {
  return Math.floor(ms / dayMs);
}

/** `events_d20261124` */
export function partitionName(day: number): string {
  return `events_d${new Date(day * dayMs).toISOString().slice(0, 10).replaceAll('-', '')}`;
}

/** The day a partition holds, or undefined for a table that is not one of ours. */
export function partitionDay(name: string): number | undefined {
  const match = /^events_d(\d{4})(\d{2})(\d{2})$/.exec(name);
  if (!match) return undefined;
  const day = dayOf(Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3])));
  // Date.UTC rolls over (Feb 30 is Mar 2): only a name that is exactly the day's own counts.
  return partitionName(day) === name ? day : undefined;
}

/** The id range `[from, to)` of a day: `evt_0192f3a4-5b00` style prefixes. */
export function partitionBounds(day: number): { from: string; to: string } {
  const bound = (ms: number) => {
    const hex = ms.toString(16).padStart(12, '0');
    return `evt_${hex.slice(0, 8)}-${hex.slice(8, 12)}`;
  };
  return { from: bound(day * dayMs), to: bound((day + 1) * dayMs) };
}

/**
 * The first day the log keeps at time `now`, or undefined when it keeps everything (retention 0).
 * With 90 days an event stays at least 90 full days and leaves within one more.
 */
export function retentionCutoffDay(now: number, retentionDays: number): number | undefined {
  return retentionDays === 0 ? undefined : dayOf(now) - retentionDays;
}

export interface PartitionManager {
  /** Makes sure each day has its partition (creates the missing ones). */
  ensure(days: Iterable<number>): Promise<void>;
  /** Detaches (concurrently) and drops the partitions of days before `cutoffDay`; returns their names. */
  prune(cutoffDay: number): Promise<string[]>;
}

// One lock id per purpose, scoped to the schema by hashing its name with the purpose.
const lockKey = (purpose: string) => `hashtext(current_schema() || '.${purpose}')`;

export function createPartitionManager(pool: pg.Pool, logger: Logger): PartitionManager {
  let known: Set<number> | undefined;

  const load = async (client: pg.Pool | pg.ClientBase): Promise<Set<number>> => {
    const { rows } = await client.query<{ name: string }>(
      `select c.relname as name from pg_inherits i join pg_class c on c.oid = i.inhrelid where i.inhparent = 'events'::regclass`,
    );
    return new Set(rows.map((row) => partitionDay(row.name)).filter((day): day is number => day !== undefined));
  };

  return {
    async ensure(days) {
      known ??= await load(pool);
      const missing = [...new Set(days)].filter((day) => !known?.has(day));
      if (missing.length === 0) return;
      const client = await pool.connect();
      try {
        await client.query('begin');
        // Serialises creators across instances; the re-read sees what another one just made.
        await client.query(`select pg_advisory_xact_lock(${lockKey('events_partitions')})`);
        known = await load(client);
        for (const day of missing.filter((candidate) => !known?.has(candidate))) {
          const name = partitionName(day);
          const { from, to } = partitionBounds(day);
          // Created apart and then attached: ATTACH takes a lock that does not block writers of
          // the other partitions, where CREATE … PARTITION OF would lock the whole table.
          await client.query(`create table ${name} (like events including defaults including constraints)`);
          await client.query(`alter table events attach partition ${name} for values from ('${from}') to ('${to}')`);
          known.add(day);
          logger.info({ partition: name }, 'event log partition created');
        }
        await client.query('commit');
      } catch (error) {
        await client.query('rollback').catch(() => undefined);
        known = undefined;
        throw error;
      } finally {
        client.release();
      }
    },

    async prune(cutoffDay) {
      const client = await pool.connect();
      const dropped: string[] = [];
      try {
        const { rows } = await client.query<{ locked: boolean }>(`select pg_try_advisory_lock(${lockKey('events_retention')}) as locked`);
        if (!rows[0]?.locked) return dropped; // another instance is pruning
        try {
          const { rows: partitions } = await client.query<{ name: string; pending: boolean }>(
            `select c.relname as name, i.inhdetachpending as pending
               from pg_inherits i join pg_class c on c.oid = i.inhrelid
              where i.inhparent = 'events'::regclass
              order by c.relname`, // oldest day first: a run cut short leaves the newest days
          );
          for (const { name, pending } of partitions) {
            const day = partitionDay(name);
            if (day === undefined || day >= cutoffDay) continue;
            // CONCURRENTLY: readers and writers of the log are not blocked while it detaches.
            // FINALIZE completes a detach that an earlier run started and did not finish.
            await client.query(`alter table events detach partition ${name} ${pending ? 'finalize' : 'concurrently'}`);
            await client.query(`drop table ${name}`);
            known?.delete(day);
            dropped.push(name);
          }
        } finally {
          await client.query(`select pg_advisory_unlock(${lockKey('events_retention')})`);
        }
      } finally {
        client.release();
      }
      if (dropped.length > 0) logger.info({ partitions: dropped }, 'event log partitions past retention dropped');
      return dropped;
    },
  };
}
