import { describe, expect, it } from 'vitest';
import { grantedScopes, isApiKeyScope, scopeGranted } from '../../core/api-key-scopes.js';

describe('API key scopes', () => {
  it('let a write scope read the same resource, admin do everything, and nothing cross resources', () => {
    expect(scopeGranted(['destinations:write'], 'destinations:read')).toBe(true);
    expect(scopeGranted(['destinations:read'], 'destinations:write')).toBe(false);
    expect(scopeGranted(['events:write'], 'destinations:read')).toBe(false);
    expect(scopeGranted(['destinations:write'], 'events:read')).toBe(false);
    expect(scopeGranted(['events:read', 'destinations:read'], 'admin')).toBe(false);
    expect(grantedScopes(['admin'])).toEqual(['events:read', 'events:write', 'destinations:read', 'destinations:write', 'admin']);
    expect(grantedScopes(['events:write', 'destinations:read'])).toEqual(['events:read', 'events:write', 'destinations:read']);
    expect(grantedScopes([])).toEqual([]);
  });

  it('know only their own names', () => {
    expect(isApiKeyScope('events:read')).toBe(true);
    expect(['events', 'Events:Read', 'events:read ', '*', ''].filter(isApiKeyScope)).toEqual([]);
  });
});
