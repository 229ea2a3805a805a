import type { ApiKeyScope } from '../core/api-key-scopes.js';
import type { Database } from './query.js';

export interface ApiKeyIdentity {
  readonly id: string;
  readonly organizationId: string;
  readonly name: string | null;
  /** What the key may do, as stored (core/api-keys.ts scopeGranted reads them). */
  readonly scopes: readonly ApiKeyScope[];
}

/** The live key with this hash, if there is one (revoked keys are not found). */
export async function findApiKey(db: Database, hash: Buffer): Promise<ApiKeyIdentity | undefined> {
  const { rows } = await db.query<{ id: string; organization_id: string; name: string | null; scopes: ApiKeyScope[] }>(
    'select id, organization_id, name, scopes from api_keys where key_hash = $1 and revoked_at is null',
    [hash],
  );
  const row = rows[0];
  return row && { id: row.id, organizationId: row.organization_id, name: row.name, scopes: row.scopes };
}

/** Notes when a key was last used (at most once a minute per key, see auth.ts). */
export async function touchApiKey(db: Database, id: string): Promise<void> {
  await db.query('update api_keys set last_used_at = now() where id = $1', [id]);
}
