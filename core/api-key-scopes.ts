/**
 * What a key may do. `admin` may do everything; a write scope includes the read scope of the same
 * resource, so a key that manages destinations can also see them. A key made without scopes is an
 * `admin` key, as every key was before scopes existed.
 */
export const apiKeyScopes = ['events:read', 'events:write', 'destinations:read', 'destinations:write', 'admin'] as const;
export type ApiKeyScope = (typeof apiKeyScopes)[number];

const implied: Readonly<Record<ApiKeyScope, readonly ApiKeyScope[]>> = {
  'events:read': [],
  'events:write': ['events:read'],
  'destinations:read': [],
  'destinations:write': ['destinations:read'],
  admin: apiKeyScopes,
};

/** True when a key holding `held` may use a route that needs `needed`. */
export function scopeGranted(held: readonly ApiKeyScope[], needed: ApiKeyScope): boolean {
  return held.some((scope) => scope === needed || implied[scope].includes(needed));
}

/** Everything a key holding `held` may do, each scope once, in the order of `apiKeyScopes`. */
export function grantedScopes(held: readonly ApiKeyScope[]): ApiKeyScope[] {
  return apiKeyScopes.filter((scope) => scopeGranted(held, scope));
}

export function isApiKeyScope(value: string): value is ApiKeyScope {
  return (apiKeyScopes as readonly string[]).includes(value);
}
