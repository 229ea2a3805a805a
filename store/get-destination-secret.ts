import type { Database } from './query.js';

/** A webhook destination's live signing secrets (the previous one only while its grace period lasts). */
export async function getDestinationSecret(
  db: Database,
  organizationId: string,
  id: string,
): Promise<{ type: string; secret: string | null; previous_secret: string | null; previous_secret_expires_at: Date | null } | undefined> {
  const { rows } = await db.query<{
    type: string;
    secret: string | null;
    previous_secret: string | null;
    previous_secret_expires_at: Date | null;
  }>(
    `select type, secret,
            case when previous_secret_expires_at > now() then previous_secret end as previous_secret,
            case when previous_secret_expires_at > now() then previous_secret_expires_at end as previous_secret_expires_at
       from destinations where id = $1 and organization_id = $2 and deleted_at is null`,
    [id, organizationId],
  );
  return rows[0];
}
