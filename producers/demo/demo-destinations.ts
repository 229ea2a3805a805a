import type { Logger } from '../../adapters/logger.js';
import {
  catchAllWebhook,
  insertDestination,
  updateDestination,
  type DestinationFields,
  type DestinationRow,
} from '../../store/destinations.js';
import { getDestinationSecret } from '../../store/get-destination-secret.js';
import type { Database } from '../../store/query.js';
import { createDestinationId } from '../../core/destination-rules.js';
import type { SecretBox } from '../../core/secret-box.js';
import { createWebhookSecret } from '../../core/webhook-signature.js';

/**
 * One webhook destination per demo organization, pointing at the demo receiver: found by its
 * description, reused (its URL moved to the receiver's, and enabled again if the streamer had
 * disabled it) or created, subscribed to every event type.
 */
export const demoDestinationDescription = 'demo receiver';

export interface DemoDestination {
  readonly id: string;
  readonly organizationId: string;
  readonly outcome: 'created' | 'updated' | 'unchanged';
}

export async function ensureDemoDestinations(
  db: Database,
  organizationIds: readonly string[],
  url: string,
  logger: Logger,
  box: SecretBox,
): Promise<DemoDestination[]> {
  const destinations: DemoDestination[] = [];
  for (const organizationId of organizationIds) {
    const found = await findDemoDestination(db, organizationId);
    let destination: DemoDestination;
    if (found === undefined) {
      const id = createDestinationId();
      const row = await insertDestination(db, {
        id,
        organization_id: organizationId,
        type: 'webhook',
        secret: box.seal(createWebhookSecret(), id),
        ...catchAllWebhook(url, demoDestinationDescription),
      });
      destination = { id: row.id, organizationId, outcome: 'created' };
    } else if (found.settings['url'] !== url || found.disabled_at !== null) {
      await updateDestination(db, organizationId, found.id, {
        description: found.description,
        // Re-enable one the streamer disabled (the receiver was away too long); otherwise keep what
        // the row holds when it is written (a paused one stays paused, a disable meanwhile stands).
        active: found.disabled_at !== null ? true : null,
        event_types: found.event_types,
        severities: found.severities,
        entity_types: found.entity_types,
        ordering: found.ordering,
        settings: { ...found.settings, url },
        // A webhook keeps no credentials.
        credentials: null,
        max_concurrency: found.max_concurrency,
        rate_limit_per_second: found.rate_limit_per_second,
        retry_schedule_ms: found.retry_schedule_ms,
        filter: found.filter,
        payload: found.payload,
      });
      destination = { id: found.id, organizationId, outcome: 'updated' };
    } else {
      destination = { id: found.id, organizationId, outcome: 'unchanged' };
    }
    logger.info(
      { destinationId: destination.id, organization: organizationId, url, outcome: destination.outcome },
      'demo destination ready',
    );
    destinations.push(destination);
  }
  return destinations;
}

type FoundDestination = DestinationFields & Pick<DestinationRow, 'id' | 'disabled_at'>;

/** The organization's oldest live demo destination, if any. */
async function findDemoDestination(db: Database, organizationId: string): Promise<FoundDestination | undefined> {
  const { rows } = await db.query<FoundDestination>(
    `select id, description, active, event_types, severities, entity_types, ordering, settings,
            max_concurrency, rate_limit_per_second, retry_schedule_ms, disabled_at
       from destinations
      where organization_id = $1 and type = 'webhook' and description = $2 and deleted_at is null
      order by id limit 1`,
    [organizationId, demoDestinationDescription],
  );
  return rows[0];
}

/**
 * The destination's live signing secrets: the current one, and the previous one during a
 * rotation. One this key cannot open is left out (the receiver then says the signature is not verified).
 */
export async function readDemoSecrets(db: Database, destination: DemoDestination, box: SecretBox): Promise<string[]> {
  const row = await getDestinationSecret(db, destination.organizationId, destination.id);
  return [row?.secret, row?.previous_secret].flatMap((stored) => {
    if (typeof stored !== 'string') return [];
    try {
      return [box.open(stored, destination.id)];
    } catch {
      return [];
    }
  });
}
