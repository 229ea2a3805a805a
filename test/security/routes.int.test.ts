import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestKey, startTestApi } from '../harness/api.js';
import { useTestContext } from '../harness/index.js';
import { rawRequest, type RawAnswer } from '../harness/raw-http.js';

/*
 * The route walk: every route the API has, asked without a key in its literal spelling, in the
 * spellings RFC 3986 says are the same (percent-encoded letters and digits) and in those a
 * router might still match although they are not (dot segments, doubled slashes, a backslash,
 * absolute-form targets). Under /api/ the first two must be a 401 and the last a 400, with a key
 * or without: no spelling reaches a handler unauthenticated. Outside /api/ the routes are the
 * public ones, and exactly those.
 */

const ctx = useTestContext('security_routes');
let pool: pg.Pool;
let api: Awaited<ReturnType<typeof startTestApi>>;
let key: string;

interface Route {
  readonly method: string;
  readonly path: string;
}

let routes: Route[] = [];

beforeAll(async () => {
  let schema: string;
  ({ pool, schema } = await ctx.createTestDatabase());
  api = await startTestApi(ctx, schema);
  key = await createTestKey(pool, 'org_walk');
  routes = parseRouteTree(api.app.printRoutes({ commonPrefix: false }));
});

afterAll(async () => {
  await api.stop();
});

/** The routes in fastify's printed tree: each line's segment appended to its parent's path. */
function parseRouteTree(tree: string): Route[] {
  const found: Route[] = [];
  const stack: { column: number; path: string }[] = [];
  for (const line of tree.split('\n')) {
    const column = line.indexOf('── ');
    if (column === -1) continue;
    const match = /^(.*?)(?: \(([A-Z, ]+)\))?$/.exec(line.slice(column + 3));
    const segment = match?.[1] ?? '';
    while (stack.length > 0 && (stack.at(-1)?.column ?? 0) >= column) stack.pop();
    const parent = stack.at(-1)?.path ?? '';
    // The printer may fold the slash before a wildcard or parameter into its parent; it is always there.
    const path = parent + (/^[*:]/.test(segment) && !parent.endsWith('/') ? `/${segment}` : segment);
    stack.push({ column, path });
    for (const method of (match?.[2] ?? '').split(',').map((m) => m.trim())) {
      if (method !== '' && method !== 'OPTIONS') found.push({ method, path });
    }
  }
  return found;
}

/** A concrete path for a route: parameters and wildcards filled with harmless values. */
function concrete(path: string): string {
  return path.replace(/:[a-z_]+/g, 'x1').replace(/\*$/, 'x');
}

function send(method: string, target: string, withKey: boolean): Promise<RawAnswer> {
  const auth = withKey ? `\r\nAuthorization: Bearer ${key}` : '';
  const body = method === 'POST' || method === 'PATCH' ? '{}' : undefined;
  const bodyHeaders = body === undefined ? '' : `\r\nContent-Type: application/json\r\nContent-Length: ${body.length}`;
  return rawRequest(api.port, `${method} ${target} HTTP/1.1\r\nHost: 127.0.0.1${auth}${bodyHeaders}`, body === undefined ? {} : { body });
}

function expectErrorShape(answer: RawAnswer, what: string): void {
  const body = answer.json as { error?: Record<string, unknown> } | undefined;
  expect(body, `${what}: ${answer.body.slice(0, 200)}`).toBeDefined();
  expect(Object.keys(body ?? {}), what).toEqual(['error']);
  const error = body?.error ?? {};
  expect(['invalid_request_error', 'authentication_error', 'api_error'], what).toContain(error['type']);
  expect(typeof error['code'], what).toBe('string');
  expect(typeof error['message'], what).toBe('string');
  for (const field of Object.keys(error)) expect(['type', 'code', 'message', 'param'], what).toContain(field);
}

/** Spellings of `path` (under /api/v1/) that mean the same by RFC 3986: percent-encoded letters and digits, decoded before routing. */
function encodedSpellings(path: string): Record<string, string> {
  const rest = path.slice('/api/v1/'.length);
  const encodeAll = path.replace(/[A-Za-z0-9._~-]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  const lastStatic =
    path
      .split('/')
      .filter((s) => s !== '' && s !== 'x1')
      .at(-1) ?? 'v1';
  const at = path.lastIndexOf(lastStatic);
  return {
    'digit encoded': `/api/v%31/${rest}`,
    'letter encoded': `/%61pi/v1/${rest}`,
    'both segments encoded': `/%61pi/v%31/${rest}`,
    'last segment encoded': `${path.slice(0, at)}%${lastStatic.charCodeAt(0).toString(16)}${path.slice(at + 1)}`,
    'everything encoded': encodeAll,
  };
}

/** Spellings a router might still read as `path` that are not the same by RFC 3986: refused before routing. */
function refusedSpellings(path: string): Record<string, string> {
  const rest = path.slice('/api/v1/'.length);
  return {
    'absolute-form target': `http://x${path}`,
    'absolute-form target to this host': `http://127.0.0.1:${api.port}${path}`,
    'dot segment': `/api/v1/./${rest}`,
    'dot-dot segment': `/api/v1/zz/../${rest}`,
    'encoded dot segment': `/api/v1/%2e/${rest}`,
    'encoded dot-dot segment': `/api/v1/zz/%2E%2e/${rest}`,
    'double slash': `/api//v1/${rest}`,
    'leading double slash': `/${path}`,
    backslash: `/api\\v1/${rest}`,
  };
}

describe('route walk', () => {
  it('finds the routes of the API, public and private', () => {
    expect(routes.filter((route) => route.path.startsWith('/api/v1/')).length).toBeGreaterThan(40);
    expect(routes.some((route) => route.path === '/api/v1/destinations/:id/secret')).toBe(true);
  });

  it('every route under /api/ answers 401 without a key, and with a wrong one', async () => {
    const refused: string[] = [];
    for (const route of routes.filter((r) => r.path.startsWith('/api/'))) {
      const target = concrete(route.path);
      for (const answer of [
        await send(route.method, target, false),
        await rawRequest(api.port, `${route.method} ${target} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer evp_sk_wrong`),
      ]) {
        if (answer.status !== 401) refused.push(`${route.method} ${target}: ${answer.status}`);
        if (route.method !== 'HEAD') expectErrorShape(answer, `${route.method} ${target}`);
      }
    }
    expect(refused).toEqual([]);
  });

  it('every percent-encoded spelling of a route under /api/ is that route: 401 without a key', async () => {
    const reached: string[] = [];
    for (const route of routes.filter((r) => r.path.startsWith('/api/') && r.method !== 'HEAD')) {
      for (const [form, target] of Object.entries(encodedSpellings(concrete(route.path)))) {
        const answer = await send(route.method, target, false);
        if (answer.status !== 401) reached.push(`${form} ${route.method} ${target}: ${answer.status}`);
        expectErrorShape(answer, `${form} ${route.method} ${target}`);
      }
    }
    expect(reached).toEqual([]);
  });

  it('every spelling of a route under /api/ that is not the same by RFC 3986 is a 400 before routing, with a key or without', async () => {
    const reached: string[] = [];
    for (const route of routes.filter((r) => r.path.startsWith('/api/') && r.method !== 'HEAD')) {
      for (const [form, target] of Object.entries(refusedSpellings(concrete(route.path)))) {
        for (const withKey of [false, true]) {
          const answer = await send(route.method, target, withKey);
          if (answer.status !== 400)
            reached.push(`${form} ${route.method} ${target} ${withKey ? 'with' : 'without'} key: ${answer.status}`);
          expectErrorShape(answer, `${form} ${route.method} ${target}`);
        }
      }
    }
    expect(reached).toEqual([]);
  });

  it('an encoded spelling with a key answers as the literal one does', async () => {
    const literal = await send('GET', '/api/v1/organization', true);
    const encoded = await send('GET', '/%61pi/v%31/%6Frganization', true);
    expect(encoded.status).toBe(200);
    expect(encoded.json).toEqual(literal.json);
  });

  it('a refused spelling names the problem and changes nothing', async () => {
    const answer = await send('POST', '/api/v1/./destinations', true);
    expect(answer.json).toEqual({
      error: {
        type: 'invalid_request_error',
        code: 'url_not_canonical',
        message: expect.stringContaining('"." or ".." segments'),
      },
    });
    const absolute = await send('GET', 'http://x/api/v1/event-types', false);
    expect((absolute.json as { error: { message: string } }).error.message).toContain('not an absolute URL');
    const { rows } = await pool.query<{ n: number }>('select count(*)::int as n from destinations');
    expect(rows[0]?.n).toBe(0);
  });

  it('the public routes are exactly the docs, the console, /openapi.json, /healthz and /metrics', async () => {
    const outside = routes.filter((r) => !r.path.startsWith('/api/') && r.method === 'GET').map((r) => r.path);
    expect(outside.sort()).toEqual(
      [
        '/',
        '/console',
        '/console/*',
        '/docs',
        '/docs/',
        '/docs/*',
        '/docs/json',
        '/docs/static/index.html',
        '/docs/static/swagger-initializer.js',
        '/docs/yaml',
        '/healthz',
        '/metrics',
        '/openapi.json',
      ].sort(),
    );
    for (const path of outside) {
      const answer = await send('GET', concrete(path), false);
      expect(answer.status, path).not.toBe(401);
      expect(answer.status, path).toBeLessThan(500);
    }
  });

  it('a path under /api/ that no route has asks for a key first, then answers 404 in the error shape', async () => {
    expect((await send('GET', '/api/v1/nothing-here', false)).status).toBe(401);
    const missing = await send('GET', '/api/v1/nothing-here', true);
    expect(missing.status).toBe(404);
    expectErrorShape(missing, 'missing route');
    const ok = await send('GET', '/api/v1/organization', true);
    expect(ok.status).toBe(200);
    expect(ok.json).toMatchObject({ object: 'organization', id: 'org_walk' });
  });
});
