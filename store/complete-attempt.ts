import { abandonedAttemptError, unknownOverSending } from './claim-deliveries.js';
import type { Database } from './query.js';

export type DeliveryStatus = 'pending' | 'needs_retry' | 'delivered' | 'failed';

/** What one attempt came to, for each delivery it carried. */
export interface CompletedAttempt {
  /** When the request (or publish) began. */
  readonly startedAt: Date;
  readonly durationMs: number;
  readonly statusCode: number | null;
  readonly error: string | null;
  readonly responseBody: string | null;
  readonly deliveries: readonly {
    readonly id: string;
    /** The attempt's number, as its claim counted it. */
    readonly attempt: number;
    /** The batch it was sent in (batch mode). */
    readonly batchId: string | null;
    readonly status: DeliveryStatus;
    readonly nextAttemptAt: Date | null;
  }[];
}

/**
 * Puts attempts counted by their claims (claim-deliveries.ts) on record with what came back, and
 * moves the deliveries on, freeing their leases, in one statement for many attempts (one commit,
 * not one per delivery). The attempt's row is always written, also over one already called
 * `unknown` (its lease ran out and another worker took the delivery): its worker knows better now.
 * The delivery moves only while this worker still holds it for this attempt: once another worker
 * took it, that worker decides. Returns the ids of the deliveries it moved.
 */
export async function completeAttempts(db: Database, owner: string, attempts: readonly CompletedAttempt[]): Promise<Set<string>> {
  const rows = attempts.flatMap((attempt) => attempt.deliveries.map((delivery) => ({ attempt, delivery })));
  if (rows.length === 0) return new Set();
  const column = <T>(pick: (row: (typeof rows)[number]) => T) => rows.map(pick);
  const { rows: moved } = await db.query<{ id: string }>(
    `with outcome as (
       select * from unnest($2::text[], $3::int[], $4::text[], $5::timestamptz[], $6::int[], $7::int[], $8::text[], $9::text[], $10::timestamptz[], $11::text[])
         as o(id, attempt, status, next_attempt_at, duration_ms, status_code, error, response_body, attempted_at, batch_id)),
     recorded as (
       insert into delivery_attempts as a (delivery_id, attempt, attempted_at, outcome, duration_ms, status_code, error, response_body, batch_id)
       select o.id, o.attempt, o.attempted_at, case when o.status = 'delivered' then 'succeeded' else 'failed' end,
              o.duration_ms, o.status_code, o.error, o.response_body, o.batch_id
         from outcome o
       on conflict (delivery_id, attempt) do update
          set outcome = excluded.outcome, attempted_at = excluded.attempted_at, duration_ms = excluded.duration_ms,
              status_code = excluded.status_code, error = excluded.error, response_body = excluded.response_body
        where a.outcome in ('sending', 'unknown'))
     update deliveries d
        set last_status_code = o.status_code, last_error = o.error, status = o.status, next_attempt_at = o.next_attempt_at,
            delivered_at = case when o.status = 'delivered' then now() else d.delivered_at end,
            lease_owner = null, lease_expires_at = null, updated_at = now()
       from outcome o
      where d.id = o.id and d.lease_owner = $1 and d.times_attempted = o.attempt and d.status in ('pending', 'needs_retry')
     returning d.id`,
    [
      owner,
      column((row) => row.delivery.id),
      column((row) => row.delivery.attempt),
      column((row) => row.delivery.status),
      column((row) => row.delivery.nextAttemptAt),
      column((row) => Math.round(row.attempt.durationMs)),
      column((row) => row.attempt.statusCode),
      column((row) => row.attempt.error),
      column((row) => row.attempt.responseBody),
      column((row) => row.attempt.startedAt),
      column((row) => row.delivery.batchId),
    ],
  );
  return new Set(moved.map((row) => row.id));
}

/**
 * Frees the leases a worker still holds (at shutdown): the deliveries are due again at once. What
 * it still holds it sent without recording the answer (the database did not take it in time), so
 * those attempts go on record as `unknown`. Returns how many.
 */
export async function releaseLeases(db: Database, owner: string): Promise<number> {
  const { rows } = await db.query<{ released: number }>(
    `with freed as (
       update deliveries set lease_owner = null, lease_expires_at = null
        where lease_owner = $1 and status in ('pending', 'needs_retry')
       returning id, times_attempted, last_attempt_at, batch_id),
     marked as (
       insert into delivery_attempts (delivery_id, attempt, attempted_at, outcome, error, batch_id)
       select id, times_attempted, coalesce(last_attempt_at, now()), 'unknown', $2, batch_id from freed where times_attempted > 0
       ${unknownOverSending})
     select count(*)::int as released from freed`,
    [owner, abandonedAttemptError],
  );
  return rows[0]?.released ?? 0;
}
