import type { Database } from './query.js';

export interface DestinationStatsRow {
  readonly id: string;
  readonly type: string;
  readonly description: string | null;
  readonly active: boolean;
  readonly disabled_reason: string | null;
  readonly pending: number;
  readonly needs_retry: number;
  readonly delivered: number;
  readonly failed: number;
  readonly oldest_pending_at: Date | null;
  readonly attempts: number;
  readonly succeeded: number;
}

/**
 * Every live destination of the organization, newest first, with its deliveries counted by
 * status (all the retained ones), the creation time of the oldest one still to be sent, and its
 * attempts of the last hour (an attempt succeeded when it recorded no error). The attempts are
 * reached through the destination's deliveries attempted within the hour: last_attempt_at is
 * the time of a delivery's newest attempt.
 */
export async function listDestinationStats(db: Database, organizationId: string): Promise<DestinationStatsRow[]> {
  const { rows } = await db.query<DestinationStatsRow>(
    `select d.id, d.type, d.description, d.active, d.disabled_reason,
            c.pending, c.needs_retry, c.delivered, c.failed, c.oldest_pending_at, a.attempts, a.succeeded
       from destinations d
       cross join lateral (
         select count(*) filter (where x.status = 'pending')::int as pending,
                count(*) filter (where x.status = 'needs_retry')::int as needs_retry,
                count(*) filter (where x.status = 'delivered')::int as delivered,
                count(*) filter (where x.status = 'failed')::int as failed,
                min(x.created_at) filter (where x.status in ('pending', 'needs_retry')) as oldest_pending_at
           from deliveries x where x.destination_id = d.id
       ) c
       cross join lateral (
         select count(*) filter (where t.outcome <> 'sending')::int as attempts, count(*) filter (where t.outcome = 'succeeded')::int as succeeded
           from deliveries x join delivery_attempts t on t.delivery_id = x.id
          where x.destination_id = d.id and x.last_attempt_at >= now() - interval '1 hour'
            and t.attempted_at >= now() - interval '1 hour'
       ) a
      where d.organization_id = $1 and d.deleted_at is null
      order by d.id desc`,
    [organizationId],
  );
  return rows;
}
