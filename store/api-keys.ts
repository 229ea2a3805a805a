import type { ApiKeyScope } from '../core/api-key-scopes.js';
import type { NewApiKey } from '../core/api-keys.js';
import type { Database } from './query.js';

export interface ApiKeyRow {
  readonly id: string;
  readonly organization_id: string;
  readonly name: string | null;
  readonly key_prefix: string;
  readonly scopes: ApiKeyScope[];
  readonly created_at: Date;
  readonly last_used_at: Date | null;
  readonly revoked_at: Date | null;
}

const columns = 'id, organization_id, name, key_prefix, scopes, created_at, last_used_at, revoked_at';

/** Stores a new key's hash (never the key) for the organization, with what it may do. */
export async function createApiKeyRow(
  db: Database,
  key: NewApiKey,
  organizationId: string,
  name: string | undefined,
  scopes: readonly ApiKeyScope[],
): Promise<ApiKeyRow> {
  const { rows } = await db.query<ApiKeyRow>(
    `insert into api_keys (id, organization_id, name, key_hash, key_prefix, scopes) values ($1, $2, $3, $4, $5, $6) returning ${columns}`,
    [key.id, organizationId, name ?? null, key.hash, key.prefix, scopes],
  );
  return rows[0] as ApiKeyRow;
}

/** The organization's keys, oldest first, revoked ones included (marked). */
export async function listApiKeys(db: Database, organizationId: string): Promise<ApiKeyRow[]> {
  const { rows } = await db.query<ApiKeyRow>(`select ${columns} from api_keys where organization_id = $1 order by created_at, id`, [
    organizationId,
  ]);
  return rows;
}

/** Revokes a key; a second revoke keeps the first time. Undefined when no key has this id. */
export async function revokeApiKey(db: Database, id: string): Promise<ApiKeyRow | undefined> {
  const { rows } = await db.query<ApiKeyRow>(
    `update api_keys set revoked_at = coalesce(revoked_at, now()) where id = $1 returning ${columns}`,
    [id],
  );
  return rows[0];
}
