import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestKey, openStream, startTestApi } from '../harness/api.js';
import { useTestContext } from '../harness/index.js';
import { waitFor } from '../harness/materializer.js';
import { rawRequest, type RawAnswer } from '../harness/raw-http.js';

/*
 * What the API refuses before any route runs (headers too large, a request sent too slowly, a
 * URL that does not decode, a body too large or not JSON) answers in the one error shape, and
 * live tails are capped per key, organization and client address.
 */

const ctx = useTestContext('security_limits');
let pool: pg.Pool;
let schema: string;
const apis: { stop(): Promise<void> }[] = [];

beforeAll(async () => {
  ({ pool, schema } = await ctx.createTestDatabase());
});

afterAll(async () => {
  for (const api of apis) await api.stop();
});

async function apiWith(overrides: Parameters<typeof startTestApi>[2]) {
  const api = await startTestApi(ctx, schema, overrides);
  apis.push(api);
  return api;
}

function expectError(answer: RawAnswer, status: number, code: string): void {
  expect(answer.status, answer.body.slice(0, 300)).toBe(status);
  expect(answer.headers['content-type']).toContain('application/json');
  const body = answer.json as { error: Record<string, unknown> };
  expect(Object.keys(body)).toEqual(['error']);
  expect(body.error).toMatchObject({ type: 'invalid_request_error', code });
  expect(typeof body.error['message']).toBe('string');
}

describe("the framework's own refusals", () => {
  let api: Awaited<ReturnType<typeof apiWith>>;
  let key: string;

  beforeAll(async () => {
    api = await apiWith({ timeouts: { headersMs: 1_000, requestMs: 1_500 } });
    key = await createTestKey(pool, 'org_limits');
  });

  const post = (body: string, contentType = 'application/json') =>
    rawRequest(
      api.port,
      `POST /api/v1/destinations HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${key}\r\nContent-Type: ${contentType}\r\nContent-Length: ${Buffer.byteLength(body)}`,
      { body },
    );

  it('headers larger than the server takes are a 431 in the error shape', async () => {
    expectError(
      await rawRequest(api.port, `GET /api/v1/events HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}`),
      431,
      'headers_too_large',
    );
  });

  it('a path parameter past the router length is a 414, a URL that does not decode a 400', async () => {
    expectError(await rawRequest(api.port, `GET /api/v1/entities/invoice/${'x'.repeat(3_000)} HTTP/1.1\r\nHost: x`), 414, 'url_too_long');
    expectError(await rawRequest(api.port, 'GET /api/v1/events/%zz HTTP/1.1\r\nHost: x'), 400, 'url_invalid');
  });

  it('a body too large, not JSON, or of another media type is refused in the error shape', async () => {
    expectError(await post(`{"description":"${'a'.repeat(2 * 1024 * 1024)}"}`), 413, 'body_too_large');
    expectError(await post('{"type":'), 400, 'body_invalid_json');
    expectError(await post('<type>webhook</type>', 'application/xml'), 415, 'media_type_unsupported');
  });

  it('a request whose body never finishes is answered 408 and closed', async () => {
    const answer = await rawRequest(
      api.port,
      `POST /api/v1/destinations HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${key}\r\nContent-Type: application/json\r\nContent-Length: 100`,
      { body: '{"type":', timeoutMs: 20_000 },
    );
    expectError(answer, 408, 'request_timeout');
    expect(answer.headers['connection']).toBe('close');
  });

  it('headers that never finish are answered 408 and closed', async () => {
    const answer = await rawRequest(api.port, 'GET /api/v1/events HTTP/1.1\r\nHost: x\r\nX-Slow: 1\r\n', {
      unfinished: true,
      timeoutMs: 20_000,
    });
    expectError(answer, 408, 'request_timeout');
  });

  it('a request sent whole within the limits is answered as usual', async () => {
    const answer = await rawRequest(api.port, `GET /api/v1/organization HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${key}`);
    expect(answer.status).toBe(200);
  });
});

describe('live-tail caps', () => {
  const streams: { close(): Promise<void> }[] = [];

  afterAll(async () => {
    for (const stream of streams) await stream.close();
  });

  async function open(url: string, key: string) {
    const stream = await openStream(`${url}/api/v1/events/stream`, key);
    streams.push(stream);
    return stream;
  }

  async function refusal(url: string, key: string): Promise<{ status: number; error: Record<string, unknown> }> {
    const response = await fetch(`${url}/api/v1/events/stream`, { headers: { authorization: `Bearer ${key}` } });
    return { status: response.status, error: ((await response.json()) as { error: Record<string, unknown> }).error };
  }

  it('a key past API_STREAMS_PER_KEY is refused 429, and an organization past API_STREAMS_PER_ORG across its keys', async () => {
    const api = await apiWith({ streamLimits: { perKey: 2, perOrganization: 3, perClient: 0 } });
    const keyA = await createTestKey(pool, 'org_tail');
    const keyB = await createTestKey(pool, 'org_tail');
    const first = await open(api.url, keyA);
    expect(first.status).toBe(200);
    expect((await open(api.url, keyA)).status).toBe(200);
    const perKey = await refusal(api.url, keyA);
    expect(perKey.status).toBe(429);
    expect(perKey.error).toMatchObject({ type: 'invalid_request_error', code: 'stream_limit_reached' });
    expect(perKey.error['message']).toContain('API_STREAMS_PER_KEY');

    expect((await open(api.url, keyB)).status).toBe(200);
    const perOrg = await refusal(api.url, keyB);
    expect(perOrg.status).toBe(429);
    expect(perOrg.error['message']).toContain('API_STREAMS_PER_ORG');
    // Another organization is not held back by this one.
    expect((await open(api.url, await createTestKey(pool, 'org_other'))).status).toBe(200);

    // A closed tail gives its slot back.
    await first.close();
    await waitFor(
      async () => {
        const stream = await open(api.url, keyB);
        if (stream.status !== 200) await stream.close();
        return stream.status;
      },
      (status) => status === 200,
      30_000,
      'a slot freed by a closed tail',
    );
  });

  it('one client address past API_STREAMS_PER_CLIENT is refused, whatever the organizations of its keys', async () => {
    const api = await apiWith({ streamLimits: { perKey: 0, perOrganization: 0, perClient: 2 } });
    expect((await open(api.url, await createTestKey(pool, 'org_c1'))).status).toBe(200);
    expect((await open(api.url, await createTestKey(pool, 'org_c2'))).status).toBe(200);
    const perClient = await refusal(api.url, await createTestKey(pool, 'org_c3'));
    expect(perClient.status).toBe(429);
    expect(perClient.error['message']).toContain('API_STREAMS_PER_CLIENT');
  });
});
