import type { Database } from './query.js';

export interface EntityRow {
  readonly organization_id: string;
  readonly entity_type: string;
  readonly entity_id: string;
  readonly data: Record<string, unknown>;
  readonly deleted: boolean;
  readonly version: string;
  readonly last_event_id: string;
  readonly created_at: Date;
  readonly updated_at: Date;
}

/** The current state of one entity of the organization. */
export async function getEntity(
  db: Database,
  organizationId: string,
  entityType: string,
  entityId: string,
): Promise<EntityRow | undefined> {
  const { rows } = await db.query<EntityRow>(
    `select organization_id, entity_type, entity_id, data, deleted, version, last_event_id, created_at, updated_at
       from entities where organization_id = $1 and entity_type = $2 and entity_id = $3`,
    [organizationId, entityType, entityId],
  );
  return rows[0];
}
