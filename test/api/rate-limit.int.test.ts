import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RateLimitSettings } from '../../api/rate-limit.js';
import { createTestKey, openStream, startTestApi } from '../harness/api.js';
import { useTestContext } from '../harness/index.js';
import { waitFor } from '../harness/materializer.js';

const ctx = useTestContext('api_rate_limit');
let pool: pg.Pool;
let schema: string;
const apis: { stop(): Promise<void> }[] = [];

beforeAll(async () => {
  ({ pool, schema } = await ctx.createTestDatabase());
});

afterAll(async () => {
  for (const api of apis) await api.stop();
});

/** An API of its own (so one test's counts cannot touch another's), limited as given. */
async function limitedApi(rateLimit: RateLimitSettings, trustProxy?: readonly string[]): Promise<string> {
  const api = await startTestApi(ctx, schema, { rateLimit, ...(trustProxy ? { trustProxy } : {}) });
  apis.push(api);
  return api.url;
}

interface Answer {
  readonly status: number;
  readonly headers: Headers;
  readonly body: { error?: { type: string; code: string; message: string } } & Record<string, unknown>;
}

async function get(url: string, key?: string, forwardedFor?: string): Promise<Answer> {
  const response = await fetch(url, {
    headers: {
      ...(key === undefined ? {} : { authorization: `Bearer ${key}` }),
      ...(forwardedFor === undefined ? {} : { 'x-forwarded-for': forwardedFor }),
    },
  });
  const text = await response.text();
  let body: Answer['body'] = {};
  try {
    body = JSON.parse(text) as Answer['body'];
  } catch {
    // not JSON: /metrics, the console's HTML
  }
  return { status: response.status, headers: response.headers, body };
}

describe('rate limit per API key', () => {
  let url: string;

  beforeAll(async () => {
    url = await limitedApi({ perKey: 3, authFailuresPerIp: 0, windowMs: 60_000 });
  });

  it('rate limit answers a key past its limit 429 with Retry-After, the x-ratelimit headers and the error body', async () => {
    const key = await createTestKey(pool, 'org_rl_a');
    for (const remaining of [2, 1, 0]) {
      const answer = await get(`${url}/api/v1/events`, key);
      expect(answer.status).toBe(200);
      expect(answer.headers.get('x-ratelimit-limit')).toBe('3');
      expect(answer.headers.get('x-ratelimit-remaining')).toBe(String(remaining));
    }
    const refused = await get(`${url}/api/v1/events`, key);
    expect(refused.status).toBe(429);
    expect(refused.body).toEqual({
      error: { type: 'invalid_request_error', code: 'rate_limited', message: expect.stringContaining('at most 3 per 1 minute') as string },
    });
    expect(refused.body.error?.message).toMatch(/Retry in \d+ s/);
    const retryAfter = Number(refused.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(refused.headers.get('x-ratelimit-limit')).toBe('3');
    expect(refused.headers.get('x-ratelimit-remaining')).toBe('0');
    expect(refused.headers.get('x-ratelimit-reset')).toBe(String(retryAfter));
    expect(refused.headers.get('request-id')).toMatch(/^req_/);
    // Every path under /api/v1 counts against the same key, an unknown one too.
    expect((await get(`${url}/api/v1/organization`, key)).status).toBe(429);
    expect((await get(`${url}/api/v1/nothing-here`, key)).status).toBe(429);
  });

  it('rate limit leaves another key of the same organization, and another organization, unaffected', async () => {
    const busy = await createTestKey(pool, 'org_rl_b');
    const sameOrganization = await createTestKey(pool, 'org_rl_b');
    const otherOrganization = await createTestKey(pool, 'org_rl_c');
    for (let i = 0; i < 4; i++) await get(`${url}/api/v1/events`, busy);
    expect((await get(`${url}/api/v1/events`, busy)).status).toBe(429);
    for (const key of [sameOrganization, otherOrganization]) {
      const answer = await get(`${url}/api/v1/events`, key);
      expect(answer.status).toBe(200);
      expect(answer.headers.get('x-ratelimit-remaining')).toBe('2');
    }
  });

  it('rate limit never counts /healthz, /metrics, /openapi.json, /docs or the console', async () => {
    const key = await createTestKey(pool, 'org_rl_d');
    for (let i = 0; i < 4; i++) await get(`${url}/api/v1/events`, key);
    expect((await get(`${url}/api/v1/events`, key)).status).toBe(429);
    for (let i = 0; i < 5; i++) {
      for (const path of ['/healthz', '/metrics', '/openapi.json', '/docs/', '/console/']) {
        // With the exhausted key and without one: neither counts.
        for (const sent of [key, undefined]) {
          const answer = await get(`${url}${path}`, sent);
          expect(answer.status, `${path} (${i})`).not.toBe(429);
          expect(answer.headers.get('x-ratelimit-limit'), path).toBeNull();
        }
      }
    }
    expect((await get(`${url}/healthz`)).body).toEqual({ ok: true, database: 'up' });
  });

  it('rate limit counts a live tail once, when it connects', async () => {
    const key = await createTestKey(pool, 'org_rl_e');
    const stream = await openStream(`${url}/api/v1/events/stream`, key);
    try {
      expect(stream.status).toBe(200);
      // Heartbeats come every 300 ms in tests: the stream stays open while they arrive, and is counted once.
      await waitFor(
        () => Promise.resolve(stream.messages.filter((message) => message.comment === 'heartbeat').length),
        (n) => n >= 2,
        10_000,
        'two heartbeats',
      );
      const answer = await get(`${url}/api/v1/events`, key);
      expect(answer.status).toBe(200);
      expect(answer.headers.get('x-ratelimit-remaining')).toBe('1');
    } finally {
      await stream.close();
    }
  });

  it('rate limit documents the 429 of each limited endpoint in /openapi.json', async () => {
    const document = (await get(`${url}/openapi.json`)).body as {
      paths: Record<string, Record<string, { responses: Record<string, unknown> }>>;
    };
    for (const [path, method] of [
      ['/api/v1/events', 'get'],
      ['/api/v1/events/stream', 'get'],
      ['/api/v1/destinations', 'post'],
    ] as const) {
      expect(document.paths[path]?.[method]?.responses, `${method} ${path}`).toHaveProperty('429');
    }
  });
});

describe('rate limit of failed authentications per client IP', () => {
  it('rate limit refuses an address past its failed authentications 429, whatever key it sends next', async () => {
    const url = await limitedApi({ perKey: 0, authFailuresPerIp: 3, windowMs: 60_000 });
    const key = await createTestKey(pool, 'org_rl_f');
    // Requests that authenticate do not count, and without a per-key limit carry no headers.
    for (let i = 0; i < 5; i++) {
      const answer = await get(`${url}/api/v1/events`, key);
      expect(answer.status).toBe(200);
      expect(answer.headers.get('x-ratelimit-limit')).toBeNull();
    }
    const guesses = [`evp_sk_${'a'.repeat(43)}`, 'not-a-key', undefined];
    for (const guess of guesses) {
      const answer = await get(`${url}/api/v1/events`, guess);
      expect(answer.status).toBe(401);
      expect(answer.body.error?.type).toBe('authentication_error');
    }
    // The next request is refused before its key is looked at: even the right key, so a guess that
    // would hit looks like one that missed.
    const refused = await get(`${url}/api/v1/events`, key);
    expect(refused.status).toBe(429);
    expect(refused.body).toEqual({
      error: {
        type: 'invalid_request_error',
        code: 'rate_limited',
        message: expect.stringContaining('missing or invalid API key from this address: at most 3 per 1 minute') as string,
      },
    });
    const retryAfter = Number(refused.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(refused.headers.get('x-ratelimit-limit')).toBe('3');
    expect(refused.headers.get('x-ratelimit-remaining')).toBe('0');
    expect((await get(`${url}/api/v1/events`, `evp_sk_${'b'.repeat(43)}`)).status).toBe(429);
    expect((await get(`${url}/healthz`)).status).toBe(200);
  });
});

describe('rate limit of failed authentications behind a proxy', () => {
  const guess = `evp_sk_${'c'.repeat(43)}`;

  it('rate limit counts by the address a trusted proxy forwards, one client apart from another', async () => {
    const url = await limitedApi({ perKey: 0, authFailuresPerIp: 2, windowMs: 60_000 }, ['127.0.0.1']);
    for (let i = 0; i < 2; i++) expect((await get(`${url}/api/v1/events`, guess, '203.0.113.7')).status).toBe(401);
    expect((await get(`${url}/api/v1/events`, guess, '203.0.113.7')).status).toBe(429);
    // Another client behind the same proxy has its own count.
    expect((await get(`${url}/api/v1/events`, guess, '203.0.113.8')).status).toBe(401);
  });

  it('rate limit ignores X-Forwarded-For from a proxy it does not trust: a client cannot dodge its count', async () => {
    const url = await limitedApi({ perKey: 0, authFailuresPerIp: 2, windowMs: 60_000 });
    expect((await get(`${url}/api/v1/events`, guess, '198.51.100.1')).status).toBe(401);
    expect((await get(`${url}/api/v1/events`, guess, '198.51.100.2')).status).toBe(401);
    expect((await get(`${url}/api/v1/events`, guess, '198.51.100.3')).status).toBe(429);
  });
});

describe('rate limit window', () => {
  it('rate limit lets a key in again once its window has passed', async () => {
    const url = await limitedApi({ perKey: 2, authFailuresPerIp: 0, windowMs: 1000 });
    const key = await createTestKey(pool, 'org_rl_g');
    // Ask until refused: however slow this machine, the window holds 2 requests at most.
    const refused = await waitFor(
      () => get(`${url}/api/v1/events`, key),
      (answer) => answer.status === 429,
      10_000,
      'a 429',
    );
    expect(refused.body.error?.message).toContain('at most 2 per 1 second');
    expect(refused.headers.get('retry-after')).toBe('1');
    const again = await waitFor(
      () => get(`${url}/api/v1/events`, key),
      (answer) => answer.status === 200,
      10_000,
      'the window to pass',
    );
    expect(again.headers.get('x-ratelimit-remaining')).toBe('1');
  });
});
