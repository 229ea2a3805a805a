import type { Database } from './query.js';

/** A destination's run of failures as the database has it after an attempt. */
export interface RecordedRun {
  /** When the run began; null after a success. */
  readonly failingSince: Date | null;
  /** Failed attempts of the run, counted until its alert is raised. */
  readonly failedAttempts: number;
  /** Whether `destination.failing` is raised for the run (and no success since). */
  readonly alerted: boolean;
}

/**
 * A failed attempt: `failing_since` is set by the first failure after a success, and the run's
 * failed attempts are counted until its alert is raised (after that, nothing is written).
 */
export async function recordDestinationFailure(db: Database, destinationId: string): Promise<RecordedRun | undefined> {
  const { rows } = await db.query<{ failing_since: Date; failed_attempts: number; alerted: boolean }>(
    `update destinations
        set failing_since = coalesce(failing_since, now()),
            failed_attempts = case when failing_since is null then 1
                                   when alerted_at is null then failed_attempts + 1
                                   else failed_attempts end
      where id = $1
      returning failing_since, failed_attempts, alerted_at is not null as alerted`,
    [destinationId],
  );
  const row = rows[0];
  return row && { failingSince: row.failing_since, failedAttempts: row.failed_attempts, alerted: row.alerted };
}

/**
 * A successful attempt ends the run. When `destination.failing` was raised for it, the
 * `destination.recovered` alert is written in the same statement, under `eventId`: of streamers
 * racing, the one that clears the row (which it locks first) writes it. Returns whether it did.
 */
export async function recordDestinationSuccess(db: Database, destinationId: string, eventId: string): Promise<boolean> {
  const { rows } = await db.query(
    `with run as (
       select id, failing_since, failed_attempts, alerted_at from destinations where id = $1 for update),
     cleared as (
       update destinations d set failing_since = null, failed_attempts = 0, alerted_at = null
         from run
        where d.id = run.id and (run.failing_since is not null or run.failed_attempts > 0 or run.alerted_at is not null))
     insert into destination_alerts (event_id, destination_id, type, failing_since, failed_attempts)
     select $2, id, 'destination.recovered', coalesce(failing_since, alerted_at), failed_attempts from run where alerted_at is not null
     returning event_id`,
    [destinationId, eventId],
  );
  return rows.length > 0;
}

export interface DisabledDestination {
  readonly id: string;
  readonly organization_id: string;
  readonly type: string;
  readonly description: string | null;
  readonly event_types: string[];
  readonly severities: string[] | null;
  readonly entity_types: string[] | null;
  readonly ordering: string;
  readonly settings: Record<string, unknown>;
  readonly disabled_reason: string;
  readonly disabled_at: Date;
  readonly created_at: Date;
  readonly updated_at: Date;
}

/** Disables an active destination; undefined when it was not active (another worker did it first). */
export async function disableDestination(db: Database, destinationId: string, reason: string): Promise<DisabledDestination | undefined> {
  const { rows } = await db.query<DisabledDestination>(
    `update destinations set active = false, disabled_reason = $2, disabled_at = now(), updated_at = now()
      where id = $1 and active and deleted_at is null
      returning id, organization_id, type, description, event_types, severities, entity_types, ordering, settings,
                disabled_reason, disabled_at, created_at, updated_at`,
    [destinationId, reason],
  );
  return rows[0];
}
