import type { DestinationTypeName } from '../destinations/index.js';
import type { StoredCredentials } from '../core/destination-credentials.js';
import { pageOf, type Database } from './query.js';

export interface DestinationRow {
  readonly id: string;
  readonly organization_id: string;
  readonly type: DestinationTypeName;
  readonly description: string | null;
  readonly active: boolean;
  readonly event_types: string[];
  readonly severities: string[] | null;
  readonly entity_types: string[] | null;
  readonly ordering: 'none' | 'per_entity';
  readonly settings: Record<string, unknown>;
  readonly max_concurrency: number | null;
  readonly rate_limit_per_second: number | null;
  readonly retry_schedule_ms: number[] | null;
  /** The content filter as given (core/content-filter.ts); null: every event. */
  readonly filter: Record<string, unknown> | null;
  /** What its deliveries carry (core/payload-shape.ts); null: the event object. */
  readonly payload: 'cloudevents' | { fields: string[] } | null;
  readonly failing_since: Date | null;
  /** Its own alert thresholds (null: the streamer's); `alerted_at`: when `destination.failing` was raised for the current run. */
  readonly alert_after_failures: number | null;
  readonly alert_after_ms: number | null;
  readonly alerted_at: Date | null;
  readonly secret: string | null;
  /** Secret settings, each sealed (core/destination-credentials.ts); null when there are none. */
  readonly credentials: StoredCredentials | null;
  readonly previous_secret_expires_at: Date | null;
  readonly disabled_reason: string | null;
  readonly disabled_at: Date | null;
  readonly created_at: Date;
  readonly updated_at: Date;
}

export type DestinationFields = Pick<
  DestinationRow,
  | 'description'
  | 'active'
  | 'event_types'
  | 'severities'
  | 'entity_types'
  | 'ordering'
  | 'settings'
  | 'max_concurrency'
  | 'rate_limit_per_second'
  | 'retry_schedule_ms'
  | 'filter'
  | 'payload'
  | 'credentials'
> &
  Partial<Pick<DestinationRow, 'alert_after_failures' | 'alert_after_ms'>>;

/** A destination after an update, with what it was before where a change of state depends on it. */
export interface UpdatedDestination extends DestinationRow {
  readonly was_active: boolean;
  readonly was_disabled_reason: string | null;
  readonly was_disabled_at: Date | null;
}

const columns = `id, organization_id, type, description, active, event_types, severities, entity_types, ordering, settings,
  max_concurrency, rate_limit_per_second, retry_schedule_ms, filter, payload, failing_since,
  alert_after_failures, alert_after_ms, alerted_at,
  secret, credentials, previous_secret_expires_at, disabled_reason, disabled_at, created_at, updated_at`;

/**
 * A webhook destination that takes every event type, in no particular order, with the defaults
 * for everything else: what the demo and the benchmarks subscribe.
 */
export function catchAllWebhook(url: string, description: string): DestinationFields {
  return {
    description,
    active: true,
    event_types: ['*'],
    severities: null,
    entity_types: null,
    ordering: 'none',
    settings: { url, headers: {}, batch: null },
    credentials: null,
    max_concurrency: null,
    rate_limit_per_second: null,
    retry_schedule_ms: null,
    filter: null,
    payload: null,
  };
}

/** Stores a new destination (with its signing secret, for webhooks, and its sealed credentials). */
export async function insertDestination(
  db: Database,
  row: DestinationFields & Pick<DestinationRow, 'id' | 'organization_id' | 'type' | 'secret'>,
): Promise<DestinationRow> {
  const { rows } = await db.query<DestinationRow>(
    `insert into destinations (id, organization_id, type, description, active, event_types, severities, entity_types, ordering, settings, secret,
                               max_concurrency, rate_limit_per_second, retry_schedule_ms, credentials, filter, payload,
                               alert_after_failures, alert_after_ms)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19) returning ${columns}`,
    [
      row.id,
      row.organization_id,
      row.type,
      row.description,
      row.active,
      row.event_types,
      row.severities,
      row.entity_types,
      row.ordering,
      row.settings,
      row.secret,
      row.max_concurrency,
      row.rate_limit_per_second,
      row.retry_schedule_ms,
      row.credentials,
      row.filter,
      row.payload === null ? null : JSON.stringify(row.payload),
      row.alert_after_failures ?? null,
      row.alert_after_ms ?? null,
    ],
  );
  return rows[0] as DestinationRow;
}

/** One page of the organization's destinations, newest first (ids are time-ordered), by keyset. */
export async function listDestinations(
  db: Database,
  organizationId: string,
  limit: number,
  cursor: { startingAfter?: string | undefined; endingBefore?: string | undefined },
): Promise<{ rows: DestinationRow[]; hasMore: boolean }> {
  const backwards = cursor.endingBefore !== undefined;
  const bound = cursor.startingAfter ?? cursor.endingBefore;
  const { rows } = await db.query<DestinationRow>(
    `select ${columns} from destinations
      where organization_id = $1 and deleted_at is null ${bound === undefined ? '' : `and id ${backwards ? '>' : '<'} $3`}
      order by id ${backwards ? 'asc' : 'desc'} limit $2`,
    bound === undefined ? [organizationId, limit + 1] : [organizationId, limit + 1, bound],
  );
  return pageOf(rows, limit, backwards);
}

export async function getDestination(db: Database, organizationId: string, id: string): Promise<DestinationRow | undefined> {
  const { rows } = await db.query<DestinationRow>(
    `select ${columns} from destinations where id = $1 and organization_id = $2 and deleted_at is null`,
    [id, organizationId],
  );
  return rows[0];
}

/** Replaces the given fields; a re-activated destination forgets why it was disabled. */
export async function updateDestination(
  db: Database,
  organizationId: string,
  id: string,
  fields: Omit<DestinationFields, 'active'> & {
    /** null keeps what the row holds when it is locked (a disable by the streamer meanwhile stands). */
    readonly active: boolean | null;
  },
): Promise<UpdatedDestination | undefined> {
  // The row is locked while read, so of two requests that enable it at once only one sees it inactive.
  const { rows } = await db.query<UpdatedDestination>(
    `update destinations set description = $3, active = coalesce($4, active), event_types = $5, severities = $6, entity_types = $7, ordering = $8,
            settings = $9, max_concurrency = $10, rate_limit_per_second = $11, retry_schedule_ms = $12, credentials = $13, updated_at = now(),
            alert_after_failures = $14, alert_after_ms = $15, filter = $16, payload = $17,
            disabled_reason = case when $4 then null else disabled_reason end,
            disabled_at = case when $4 then null else disabled_at end,
            failing_since = case when $4 and not active then null else failing_since end
       from (select id as locked_id, active as was_active, disabled_reason as was_disabled_reason,
                     disabled_at as was_disabled_at from destinations
              where id = $1 and organization_id = $2 and deleted_at is null for update) earlier
      where destinations.id = earlier.locked_id
      returning ${columns}, earlier.was_active, earlier.was_disabled_reason, earlier.was_disabled_at`,
    [
      id,
      organizationId,
      fields.description,
      fields.active,
      fields.event_types,
      fields.severities,
      fields.entity_types,
      fields.ordering,
      fields.settings,
      fields.max_concurrency,
      fields.rate_limit_per_second,
      fields.retry_schedule_ms,
      fields.credentials,
      fields.alert_after_failures ?? null,
      fields.alert_after_ms ?? null,
      fields.filter,
      fields.payload === null ? null : JSON.stringify(fields.payload),
    ],
  );
  return rows[0];
}

/**
 * Deletes softly: deliveries already recorded keep their destination. Its signing secrets and
 * credentials are wiped at once (nothing is sent to a deleted destination), and the row itself
 * goes once its last delivery is past retention (pruneDeletedDestinations).
 */
export async function deleteDestination(db: Database, organizationId: string, id: string): Promise<boolean> {
  const { rowCount } = await db.query(
    `update destinations set deleted_at = now(), active = false, secret = null, previous_secret = null,
            previous_secret_expires_at = null, credentials = null
      where id = $1 and organization_id = $2 and deleted_at is null`,
    [id, organizationId],
  );
  return rowCount === 1;
}

/** Removes destinations deleted more than `retentionDays` ago that no delivery refers to any more. Returns how many. */
export async function pruneDeletedDestinations(db: Database, retentionDays: number): Promise<number> {
  const { rowCount } = await db.query(
    `delete from destinations s
      where s.deleted_at < now() - make_interval(days => $1)
        and not exists (select 1 from deliveries d where d.destination_id = s.id)`,
    [retentionDays],
  );
  return rowCount ?? 0;
}

/** A new signing secret; the old one stays valid (both signatures are sent) for `graceMs`. */
export async function rotateDestinationSecret(
  db: Database,
  organizationId: string,
  id: string,
  secret: string,
  graceMs: number,
): Promise<DestinationRow | undefined> {
  const { rows } = await db.query<DestinationRow>(
    `update destinations set previous_secret = secret, previous_secret_expires_at = now() + make_interval(secs => $4::double precision / 1000),
            secret = $3, updated_at = now()
      where id = $1 and organization_id = $2 and type = 'webhook' and deleted_at is null returning ${columns}`,
    [id, organizationId, secret, graceMs],
  );
  return rows[0];
}
