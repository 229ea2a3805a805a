import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiKeyScopes, scopeGranted, type ApiKeyScope } from '../../core/api-key-scopes.js';
import { createTestKey, getJson, startTestApi } from '../harness/api.js';
import { useTestContext } from '../harness/index.js';

const ctx = useTestContext('api_scopes');
let pool: pg.Pool;
let api: Awaited<ReturnType<typeof startTestApi>>;

beforeAll(async () => {
  const database = await ctx.createTestDatabase();
  pool = database.pool;
  api = await startTestApi(ctx, database.schema);
});

afterAll(async () => {
  await api?.stop();
});

interface Operation {
  readonly method: string;
  readonly path: string;
  readonly scope: ApiKeyScope | undefined;
}

interface OpenApiDocument {
  paths: Record<string, Record<string, { security?: { apiKey: string[] }[] }>>;
}

/** Every operation of the published document, with the scope its `security` names (none: any key). */
async function operations(): Promise<Operation[]> {
  const document = (await (await fetch(`${api.url}/openapi.json`)).json()) as OpenApiDocument;
  return Object.entries(document.paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, operation]) => {
      const roles = operation.security?.[0]?.apiKey;
      expect(roles, `${method} ${path} says what it needs`).toBeDefined();
      return { method: method.toUpperCase(), path, scope: roles?.[0] as ApiKeyScope | undefined };
    }),
  );
}

/** The path with each `{param}` filled: the scope is checked before any parameter. */
const concrete = (path: string) => path.replace(/\{[^}]+\}/g, 'x_1');

async function call(operation: Operation, key: string) {
  const bodied = operation.method !== 'GET' && operation.method !== 'DELETE';
  const response = await fetch(`${api.url}${concrete(operation.path)}`, {
    method: operation.method,
    headers: { authorization: `Bearer ${key}`, ...(bodied ? { 'content-type': 'application/json' } : {}) },
    ...(bodied ? { body: '{}' } : {}),
  });
  // A live tail let through streams until closed: its status is all this test needs.
  if (response.headers.get('content-type')?.startsWith('text/event-stream')) {
    await response.body?.cancel();
    return { status: response.status, text: '' };
  }
  return { status: response.status, text: await response.text() };
}

describe('scoped API keys', () => {
  it('refuse every route of the document to a key lacking its scope, naming the scope, and let a key holding it through', async () => {
    const all = await operations();
    expect(all.length).toBeGreaterThanOrEqual(27);
    const scoped = all.filter((operation) => operation.scope !== undefined);
    expect(new Set(scoped.map((operation) => operation.scope))).toEqual(
      new Set(['events:read', 'events:write', 'destinations:read', 'destinations:write']),
    );

    const keys = new Map<string, string>();
    const keyFor = async (scopes: ApiKeyScope[]) => {
      const name = scopes.join(',');
      if (!keys.has(name)) keys.set(name, await createTestKey(pool, 'org_scopes', scopes));
      return keys.get(name) as string;
    };

    for (const operation of scoped) {
      const needed = operation.scope as ApiKeyScope;
      // Every scope that does not include the one needed: the most a key can hold and still lack it.
      const lacking = apiKeyScopes.filter((scope) => !scopeGranted([scope], needed));
      const refused = await call(operation, await keyFor(lacking));
      const label = `${operation.method} ${operation.path} with ${lacking.join(',')}`;
      expect(refused.status, label).toBe(403);
      expect(JSON.parse(refused.text), label).toEqual({
        error: { type: 'permission_error', code: 'scope_missing', message: expect.stringContaining(`\`${needed}\` scope`) as string },
      });

      for (const holding of [[needed], ['admin']] as ApiKeyScope[][]) {
        const through = await call(operation, await keyFor(holding));
        expect(through.status, `${operation.method} ${operation.path} with ${holding.join(',')}`).not.toBe(403);
      }
    }
  });

  it('let any key say who it is and what it may do', async () => {
    const key = await createTestKey(pool, 'org_scopes', ['destinations:write']);
    const answer = await getJson<{ api_key: { scopes: string[] } }>(`${api.url}/api/v1/organization`, key);
    expect(answer.status).toBe(200);
    expect(answer.body.api_key.scopes).toEqual(['destinations:read', 'destinations:write']);
  });

  it('are refused by the database when unknown or empty', async () => {
    for (const scopes of [['events:delete'], []]) {
      await expect(createTestKey(pool, 'org_scopes', scopes as ApiKeyScope[])).rejects.toThrow(/api_keys_scopes_check/);
    }
  });
});
