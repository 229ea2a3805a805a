import { eventColumns, type EventRow } from './event-object.js';
import type { Database } from './query.js';

/** One event of the organization; another organization's event is as absent as a missing one. */
export async function getEvent(db: Database, organizationId: string, id: string): Promise<EventRow | undefined> {
  const { rows } = await db.query<EventRow>(`select ${eventColumns} from events e where e.id = $1 and e.organization_id = $2`, [
    id,
    organizationId,
  ]);
  return rows[0];
}
