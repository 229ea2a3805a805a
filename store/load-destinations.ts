import type { DestinationTypeName } from '../destinations/index.js';
import type { Database } from './query.js';
import type { SecretBox } from '../core/secret-box.js';
import { openCredentials, type StoredCredentials } from '../core/destination-credentials.js';
import { storedPayloadShape, type PayloadShape } from '../core/payload-shape.js';

/** A destination as the delivery workers need it: where to send, how, and with which secrets. */
export interface SendingDestination {
  readonly id: string;
  readonly organizationId: string;
  readonly type: DestinationTypeName;
  readonly ordering: 'none' | 'per_entity';
  /** Its settings, with its secret settings (credentials) opened among them. */
  readonly settings: Readonly<Record<string, unknown>>;
  /** Live signing secrets, current first (the previous one while its grace period lasts). */
  readonly secrets: readonly string[];
  /** Why its signing secret or credentials could not be opened (another key sealed them): its deliveries are not claimed. */
  readonly secretsUnreadable: string | null;
  readonly maxConcurrency: number | null;
  readonly rateLimitPerSecond: number | null;
  readonly retryScheduleMs: readonly number[] | null;
  /** When its current run of failures began (ms), null when its last attempt succeeded. */
  readonly failingSince: number | null;
  /** What its deliveries carry: the dispatcher shapes each payload before the sender gets it. */
  readonly payloadShape: PayloadShape;
  /** Whether `destination.failing` is raised for its run (no success since). */
  readonly alerted: boolean;
  /** Its own alert thresholds (null: the streamer's). */
  readonly alertAfterFailures: number | null;
  readonly alertAfterMs: number | null;
}

interface Row {
  id: string;
  organization_id: string;
  type: SendingDestination['type'];
  ordering: SendingDestination['ordering'];
  settings: Record<string, unknown>;
  secret: string | null;
  previous_secret: string | null;
  credentials: StoredCredentials | null;
  max_concurrency: number | null;
  rate_limit_per_second: number | null;
  retry_schedule_ms: number[] | null;
  failing_since: Date | null;
  payload: unknown;
  alerted: boolean;
  alert_after_failures: number | null;
  alert_after_ms: number | null;
}

/** Every active destination (paused, disabled and deleted ones hold their deliveries), its secrets opened. */
export async function loadDestinations(db: Database, box: SecretBox): Promise<SendingDestination[]> {
  const { rows } = await db.query<Row>(
    `select id, organization_id, type, ordering, settings, secret, credentials,
            case when previous_secret_expires_at > now() then previous_secret end as previous_secret,
            max_concurrency, rate_limit_per_second, retry_schedule_ms, failing_since, payload,
            alerted_at is not null as alerted, alert_after_failures, alert_after_ms
       from destinations where active and deleted_at is null`,
  );
  return rows.map((row) => {
    let credentials: Record<string, string>;
    try {
      credentials = openCredentials(box, row.id, row.credentials);
    } catch (error) {
      return { ...sendingDestination(row, row.settings), secrets: [], secretsUnreadable: (error as Error).message };
    }
    return {
      ...sendingDestination(row, { ...row.settings, ...credentials }),
      ...openSecrets(box, row.id, [row.secret, row.previous_secret]),
    };
  });
}

function sendingDestination(
  row: Row,
  settings: Readonly<Record<string, unknown>>,
): Omit<SendingDestination, 'secrets' | 'secretsUnreadable'> {
  return {
    id: row.id,
    organizationId: row.organization_id,
    type: row.type,
    ordering: row.ordering,
    settings,
    maxConcurrency: row.max_concurrency,
    rateLimitPerSecond: row.rate_limit_per_second,
    retryScheduleMs: row.retry_schedule_ms,
    failingSince: row.failing_since?.getTime() ?? null,
    payloadShape: storedPayloadShape(row.payload),
    alerted: row.alerted,
    alertAfterFailures: row.alert_after_failures,
    alertAfterMs: row.alert_after_ms,
  };
}

/** The current secret must open; a previous one that does not is left out (receivers get the current signature). */
function openSecrets(
  box: SecretBox,
  owner: string,
  [current, previous]: readonly (string | null)[],
): Pick<SendingDestination, 'secrets' | 'secretsUnreadable'> {
  if (current === null || current === undefined) return { secrets: [], secretsUnreadable: null };
  let opened: string;
  try {
    opened = box.open(current, owner);
  } catch (error) {
    return { secrets: [], secretsUnreadable: (error as Error).message };
  }
  try {
    return { secrets: previous ? [opened, box.open(previous, owner)] : [opened], secretsUnreadable: null };
  } catch {
    return { secrets: [opened], secretsUnreadable: null };
  }
}
