import type { Database } from './query.js';

/**
 * A destination's run of failures: `failing_since` is set by the first failure after a success
 * and cleared by the next success. Returns when the run began (undefined after a success).
 */
export async function recordDestinationOutcome(db: Database, destinationId: string, succeeded: boolean): Promise<Date | undefined> {
  if (succeeded) {
    await db.query('update destinations set failing_since = null where id = $1 and failing_since is not null', [destinationId]);
    return undefined;
  }
  const { rows } = await db.query<{ failing_since: Date }>(
    'update destinations set failing_since = coalesce(failing_since, now()) where id = $1 returning failing_since',
    [destinationId],
  );
  return rows[0]?.failing_since;
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
