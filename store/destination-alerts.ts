import type { DestinationAlert } from '../core/destination-alert.js';
import type { DestinationEventSource } from '../core/destination-event.js';
import type { Database } from './query.js';

/** SQL: the destination's failure run has lasted its `alert_after_ms`, or `defaultMs` (a parameter) where it has none. */
const runLasted = (defaultMs: string, row = '') =>
  `${row}failing_since <= now() - make_interval(secs => coalesce(${row}alert_after_ms, ${defaultMs})::double precision / 1000)`;

/**
 * Raises `destination.failing` for the destination's failure run, once: the update that sets
 * `alerted_at` matches only while the run has none, so of streamers racing one wins, and it
 * writes the alert (under `eventId`) in the same statement. Returns whether this call won.
 */
export async function raiseDestinationAlert(
  db: Database,
  destinationId: string,
  eventId: string,
  lastError: string | null,
  /** Only if the run has lasted its `alert_after_ms` (this where it has none): a sweep's condition, checked again as it raises. */
  overdueAfterMs?: number,
): Promise<boolean> {
  const { rows } = await db.query(
    `with raised as (
       update destinations set alerted_at = now()
        where id = $1 and alerted_at is null and failing_since is not null
          and ($4::integer is null or ${runLasted('$4')})
        returning id, failing_since, failed_attempts)
     insert into destination_alerts (event_id, destination_id, type, failing_since, failed_attempts, last_error)
     select $2, id, 'destination.failing', failing_since, failed_attempts, $3 from raised
     returning event_id`,
    [destinationId, eventId, lastError, overdueAfterMs ?? null],
  );
  return rows.length > 0;
}

/** A destination whose failure run is past its `after_ms` with no alert raised. */
export interface OverdueAlert {
  readonly destinationId: string;
  /** The error of its latest failed delivery, for the alert. */
  readonly lastError: string | null;
}

/**
 * Active destinations whose failure run has lasted their `alert_after_ms` (`defaultAfterMs`
 * where they have none) without `destination.failing`: the judge checks the threshold at a failed
 * attempt, and on a long retry schedule the next one may be hours away.
 */
export async function listOverdueAlerts(db: Database, defaultAfterMs: number, limit: number): Promise<OverdueAlert[]> {
  const { rows } = await db.query<OverdueAlert>(
    `select d.id as "destinationId",
            (select x.last_error from deliveries x
              where x.destination_id = d.id and x.last_error is not null and not x.test
              order by x.id desc limit 1) as "lastError"
       from destinations d
      where d.failing_since is not null and d.alerted_at is null and d.active and d.deleted_at is null
        and ${runLasted('$1', 'd.')}
      order by d.failing_since
      limit $2`,
    [defaultAfterMs, limit],
  );
  return rows;
}

/** An alert not yet published, with its destination as the event shows it. */
export interface UnpublishedAlert {
  readonly alert: DestinationAlert;
  readonly destination: DestinationEventSource;
}

/**
 * Takes the lock that lets one streamer at a time publish alerts (for the transaction of `db`), so
 * a destination's alerts are published in the order they were decided.
 */
export async function lockAlertPublishing(db: Database): Promise<void> {
  await db.query(`select pg_advisory_xact_lock(hashtext('evp.destination_alerts'))`);
}

interface AlertRow extends DestinationEventSource {
  readonly alert_event_id: string;
  readonly alert_type: DestinationAlert['type'];
  readonly alert_failing_since: Date;
  readonly alert_failed_attempts: number;
  readonly alert_last_error: string | null;
  readonly alert_created_at: Date;
}

/** Alerts not yet published, oldest first. */
export async function listUnpublishedAlerts(db: Database, limit: number): Promise<UnpublishedAlert[]> {
  const { rows } = await db.query<AlertRow>(
    `select a.event_id as alert_event_id, a.type as alert_type, a.failing_since as alert_failing_since,
            a.failed_attempts as alert_failed_attempts, a.last_error as alert_last_error, a.created_at as alert_created_at,
            d.id, d.organization_id, d.type, d.description, d.active, d.event_types, d.severities, d.entity_types, d.ordering,
            d.settings, d.disabled_reason, d.disabled_at, d.created_at, d.updated_at
       from destination_alerts a join destinations d on d.id = a.destination_id
      where a.published_at is null
      order by a.created_at, a.event_id
      limit $1`,
    [limit],
  );
  return rows.map((row) => ({
    alert: {
      eventId: row.alert_event_id,
      type: row.alert_type,
      failingSince: row.alert_failing_since,
      failedAttempts: row.alert_failed_attempts,
      lastError: row.alert_last_error,
      createdAt: row.alert_created_at,
    },
    destination: row,
  }));
}

/** Marks an alert published. */
export async function markAlertPublished(db: Database, eventId: string): Promise<void> {
  await db.query('update destination_alerts set published_at = now() where event_id = $1', [eventId]);
}

/** Deletes alerts decided more than `retentionDays` ago, published or not. */
export async function pruneDestinationAlerts(db: Database, retentionDays: number): Promise<number> {
  const { rowCount } = await db.query(`delete from destination_alerts where created_at < now() - make_interval(days => $1)`, [
    retentionDays,
  ]);
  return rowCount ?? 0;
}
