import type { Query } from './query.js';

export interface ApiKeyName {
  readonly id: string;
  readonly name: string | null;
}

/** A live key of the organization, by id: what GET /organization shows of the key in use. */
export async function getApiKey(query: Query, organizationId: string, id: string): Promise<ApiKeyName | undefined> {
  const { rows } = await query<ApiKeyName>('select id, name from api_keys where id = $1 and organization_id = $2 and revoked_at is null', [
    id,
    organizationId,
  ]);
  return rows[0];
}
