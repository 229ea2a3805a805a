import type { Query } from './query.js';

export interface ApiKeyIdentity {
  readonly id: string;
  readonly organizationId: string;
  readonly name: string | null;
}

/** The live key with this hash, if there is one (revoked keys are not found). */
export async function findApiKey(query: Query, hash: Buffer): Promise<ApiKeyIdentity | undefined> {
  const { rows } = await query<{ id: string; organization_id: string; name: string | null }>(
    'select id, organization_id, name from api_keys where key_hash = $1 and revoked_at is null',
    [hash],
  );
  const row = rows[0];
  return row && { id: row.id, organizationId: row.organization_id, name: row.name };
}

/** Notes when a key was last used (at most once a minute per key, see auth.ts). */
export async function touchApiKey(query: Query, id: string): Promise<void> {
  await query('update api_keys set last_used_at = now() where id = $1', [id]);
}
