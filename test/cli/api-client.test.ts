import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiRequestError, apiClient } from '../../cli/api-client.js';

/** Answers /<status> with that status and, unless the path ends in /bare, the API's error body. */
const server = http.createServer((request, response) => {
  const [, status = '500', bare] = (request.url ?? '').split('/');
  response.writeHead(Number(status), { 'content-type': bare === undefined ? 'application/json' : 'text/html' });
  response.end(
    bare === undefined
      ? JSON.stringify({ error: { type: 'api_error', code: `status_${status}`, message: `answered ${status}.` } })
      : '<h1>Bad Gateway</h1>',
  );
});
let url = '';

beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

async function failure(apiUrl: string, path: string): Promise<unknown> {
  return apiClient({ apiUrl, key: 'evp_sk_test' })
    .request('GET', path)
    .then(
      () => expect.unreachable(`${path} answered`),
      (error: unknown) => error,
    );
}

describe('apiClient', () => {
  it.each([
    ['/400', 400, 'EVP_INPUT_INVALID', false],
    ['/404', 404, 'EVP_INPUT_INVALID', false],
    ['/429', 429, 'EVP_INPUT_INVALID', true],
    ['/500', 500, 'EVP_API_UNAVAILABLE', true],
    ['/503', 503, 'EVP_API_UNAVAILABLE', true],
    ['/502/bare', 502, 'EVP_API_UNAVAILABLE', true],
  ])('reports an answer to GET %s by its status', async (path, status, code, retriable) => {
    const error = await failure(url, path);
    expect(error).toBeInstanceOf(ApiRequestError);
    expect(error).toMatchObject({ status, code, retriable });
  });

  it('keeps the API code and message of an error answer', async () => {
    const error = await failure(url, '/503');
    expect(error).toMatchObject({ apiCode: 'status_503', message: 'answered 503. (code: status_503)' });
  });

  it('reports an unreachable API as unavailable, not as bad input', async () => {
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const error = await failure(`http://127.0.0.1:${port}`, '/');
    expect(error).toMatchObject({ code: 'EVP_API_UNAVAILABLE', retriable: true });
    expect((error as Error).message).toContain(`the Events API at http://127.0.0.1:${port} is unreachable`);
  });
});
