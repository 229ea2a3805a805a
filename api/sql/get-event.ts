import { eventColumns, type EventRow } from '../event-object.js';
import type { Query } from './query.js';

/** One event of the organization; another organization's event is as absent as a missing one. */
export async function getEvent(query: Query, organizationId: string, id: string): Promise<EventRow | undefined> {
  const { rows } = await query<EventRow>(`select ${eventColumns} from events e where e.id = $1 and e.organization_id = $2`, [
    id,
    organizationId,
  ]);
  return rows[0];
}
