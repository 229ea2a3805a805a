import type pg from 'pg';

export type DeliveryStatus = 'pending' | 'needs_retry' | 'delivered' | 'failed';

/** What one attempt came to, for each delivery it carried. */
export interface CompletedAttempt {
  readonly attemptedAt: Date;
  readonly durationMs: number;
  readonly statusCode: number | null;
  readonly error: string | null;
  readonly responseBody: string | null;
  readonly batchId: string | null;
  readonly deliveries: readonly { readonly id: string; readonly status: DeliveryStatus; readonly nextAttemptAt: Date | null }[];
}

/**
 * Records attempts in each delivery's log and moves the deliveries on, freeing their leases, in
 * one statement for many attempts (one commit, not one per delivery). Only the lease's holder
 * may: a worker whose lease ran out (and whose delivery another worker took) records nothing, so
 * no delivery is settled twice. Returns the ids it recorded.
 */
export async function completeAttempts(pool: pg.Pool, owner: string, attempts: readonly CompletedAttempt[]): Promise<Set<string>> {
  const rows = attempts.flatMap((attempt) => attempt.deliveries.map((delivery) => ({ attempt, delivery })));
  if (rows.length === 0) return new Set();
  const column = <T>(pick: (row: (typeof rows)[number]) => T) => rows.map(pick);
  const { rows: recorded } = await pool.query<{ id: string }>(
    `with outcome as (
       select * from unnest($2::text[], $3::text[], $4::timestamptz[], $5::timestamptz[], $6::int[], $7::int[], $8::text[], $9::text[], $10::text[])
         as o(id, status, next_attempt_at, attempted_at, duration_ms, status_code, error, response_body, batch_id)),
     moved as (
       update deliveries d
          set times_attempted = d.times_attempted + 1, last_attempt_at = o.attempted_at, last_status_code = o.status_code,
              last_error = o.error, status = o.status, next_attempt_at = o.next_attempt_at,
              delivered_at = case when o.status = 'delivered' then now() else d.delivered_at end,
              lease_owner = null, lease_expires_at = null, updated_at = now()
         from outcome o
        where d.id = o.id and d.lease_owner = $1 and d.status in ('pending', 'needs_retry')
       returning d.id, d.times_attempted)
     insert into delivery_attempts (delivery_id, attempt, attempted_at, duration_ms, status_code, error, response_body, batch_id)
     select m.id, m.times_attempted, o.attempted_at, o.duration_ms, o.status_code, o.error, o.response_body, o.batch_id
       from moved m join outcome o on o.id = m.id
     returning delivery_id as id`,
    [
      owner,
      column((row) => row.delivery.id),
      column((row) => row.delivery.status),
      column((row) => row.delivery.nextAttemptAt),
      column((row) => row.attempt.attemptedAt),
      column((row) => Math.round(row.attempt.durationMs)),
      column((row) => row.attempt.statusCode),
      column((row) => row.attempt.error),
      column((row) => row.attempt.responseBody),
      column((row) => row.attempt.batchId),
    ],
  );
  return new Set(recorded.map((row) => row.id));
}

/** Frees the leases a worker still holds (at shutdown): the deliveries are due again at once. */
export async function releaseLeases(pool: pg.Pool, owner: string): Promise<number> {
  const { rowCount } = await pool.query(
    'update deliveries set lease_owner = null, lease_expires_at = null where lease_owner = $1 and status in ($2, $3)',
    [owner, 'pending', 'needs_retry'],
  );
  return rowCount ?? 0;
}
