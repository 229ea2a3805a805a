import type pg from 'pg';

export type DeliveryStatus = 'pending' | 'needs_retry' | 'delivered' | 'failed';

/** What one attempt came to, for each delivery it carried. */
export interface CompletedAttempt {
  readonly owner: string;
  readonly attemptedAt: Date;
  readonly durationMs: number;
  readonly statusCode: number | null;
  readonly error: string | null;
  readonly responseBody: string | null;
  readonly batchId: string | null;
  readonly deliveries: readonly { readonly id: string; readonly status: DeliveryStatus; readonly nextAttemptAt: Date | null }[];
}

/**
 * Records the attempt in each delivery's log and moves the delivery on, then frees its lease.
 * Only the lease's holder may: a worker whose lease ran out (and whose delivery another worker
 * took) records nothing, so no delivery is settled twice. Returns the ids it recorded.
 */
export async function completeAttempt(pool: pg.Pool, attempt: CompletedAttempt): Promise<string[]> {
  const { rows } = await pool.query<{ id: string }>(
    `with outcome as (
       select * from unnest($2::text[], $3::text[], $4::timestamptz[]) as o(id, status, next_attempt_at)),
     moved as (
       update deliveries d
          set times_attempted = d.times_attempted + 1, last_attempt_at = $5, last_status_code = $7, last_error = $8,
              status = o.status, next_attempt_at = o.next_attempt_at,
              delivered_at = case when o.status = 'delivered' then now() else d.delivered_at end,
              lease_owner = null, lease_expires_at = null, updated_at = now()
         from outcome o
        where d.id = o.id and d.lease_owner = $1 and d.status in ('pending', 'needs_retry')
       returning d.id, d.times_attempted)
     insert into delivery_attempts (delivery_id, attempt, attempted_at, duration_ms, status_code, error, response_body, batch_id)
     select id, times_attempted, $5, $6, $7, $8, $9, $10 from moved
     returning delivery_id as id`,
    [
      attempt.owner,
      attempt.deliveries.map((delivery) => delivery.id),
      attempt.deliveries.map((delivery) => delivery.status),
      attempt.deliveries.map((delivery) => delivery.nextAttemptAt),
      attempt.attemptedAt,
      Math.round(attempt.durationMs),
      attempt.statusCode,
      attempt.error,
      attempt.responseBody,
      attempt.batchId,
    ],
  );
  return rows.map((row) => row.id);
}

/** Frees the leases a worker still holds (at shutdown): the deliveries are due again at once. */
export async function releaseLeases(pool: pg.Pool, owner: string): Promise<number> {
  const { rowCount } = await pool.query(
    'update deliveries set lease_owner = null, lease_expires_at = null where lease_owner = $1 and status in ($2, $3)',
    [owner, 'pending', 'needs_retry'],
  );
  return rowCount ?? 0;
}
