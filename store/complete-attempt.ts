import type { Database } from './query.js';

export type DeliveryStatus = 'pending' | 'needs_retry' | 'delivered' | 'failed';

/** What one attempt came to, for each delivery it carried. */
export interface CompletedAttempt {
  readonly durationMs: number;
  readonly statusCode: number | null;
  readonly error: string | null;
  readonly responseBody: string | null;
  readonly deliveries: readonly {
    readonly id: string;
    /** The attempt's number, as its claim opened it. */
    readonly attempt: number;
    readonly status: DeliveryStatus;
    readonly nextAttemptAt: Date | null;
  }[];
}

/**
 * Completes attempts opened by their claims (claim-deliveries.ts) with what came back, and moves
 * the deliveries on, freeing their leases, in one statement for many attempts (one commit, not one
 * per delivery). The attempt row is always completed, also one already called `unknown`: its
 * worker knows better now. The delivery moves only while this worker still holds it for this
 * attempt: once another worker took it (the lease ran out), that worker decides. Returns the
 * ids of the deliveries it moved.
 */
export async function completeAttempts(db: Database, owner: string, attempts: readonly CompletedAttempt[]): Promise<Set<string>> {
  const rows = attempts.flatMap((attempt) => attempt.deliveries.map((delivery) => ({ attempt, delivery })));
  if (rows.length === 0) return new Set();
  const column = <T>(pick: (row: (typeof rows)[number]) => T) => rows.map(pick);
  const { rows: moved } = await db.query<{ id: string }>(
    `with outcome as (
       select * from unnest($2::text[], $3::int[], $4::text[], $5::timestamptz[], $6::int[], $7::int[], $8::text[], $9::text[])
         as o(id, attempt, status, next_attempt_at, duration_ms, status_code, error, response_body)),
     recorded as (
       update delivery_attempts a
          set outcome = case when o.status = 'delivered' then 'succeeded' else 'failed' end,
              duration_ms = o.duration_ms, status_code = o.status_code, error = o.error, response_body = o.response_body
         from outcome o
        where a.delivery_id = o.id and a.attempt = o.attempt and a.outcome in ('sending', 'unknown'))
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
    ],
  );
  return new Set(moved.map((row) => row.id));
}

/** Frees the leases a worker still holds (at shutdown): the deliveries are due again at once. */
export async function releaseLeases(db: Database, owner: string): Promise<number> {
  const { rowCount } = await db.query(
    'update deliveries set lease_owner = null, lease_expires_at = null where lease_owner = $1 and status in ($2, $3)',
    [owner, 'pending', 'needs_retry'],
  );
  return rowCount ?? 0;
}
