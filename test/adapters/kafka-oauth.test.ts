import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadPublisherConfig } from '../../adapters/config.js';
import { ConfigError, PipelineError } from '../../adapters/errors.js';
import { clientCredentialsToken } from '../../adapters/kafka/oauth.js';

/** A token endpoint on a local port: issues a numbered token to the right client, answers as asked otherwise. */
let server: http.Server;
let url: string;
let issued = 0;
let requests: { authorization: string | undefined; body: string }[] = [];
let answer: (res: http.ServerResponse) => void = () => undefined;

beforeAll(async () => {
  server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      requests.push({ authorization: req.headers.authorization, body });
      const params = new URLSearchParams(body);
      const expected = `Basic ${Buffer.from('svc:s3cret').toString('base64')}`;
      if (req.headers.authorization !== expected || params.get('grant_type') !== 'client_credentials') {
        res.writeHead(401, { 'content-type': 'application/json' }).end('{"error":"invalid_client"}');
        return;
      }
      answer(res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/oauth2/token`;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const issue = (expiresIn: number) => (res: http.ServerResponse) =>
  res
    .writeHead(200, { 'content-type': 'application/json' })
    .end(JSON.stringify({ access_token: `token-${++issued}`, expires_in: expiresIn }));

async function refusal(token: () => Promise<string>): Promise<PipelineError> {
  const error = await token().then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(PipelineError);
  return error as PipelineError;
}

describe('OAUTHBEARER tokens by the client-credentials grant', () => {
  it('asks with basic client authentication and the scope, keeps the token while fresh, and shares one request among callers', async () => {
    requests = [];
    answer = issue(3600);
    const token = clientCredentialsToken({
      tokenEndpointUrl: url,
      clientId: 'svc',
      clientSecret: 's3cret',
      scope: 'kafka:write kafka:read',
    });
    const first = await Promise.all([token(), token(), token()]);
    expect(new Set(first).size).toBe(1);
    expect(await token()).toBe(first[0]);
    expect(requests).toHaveLength(1);
    const body = new URLSearchParams(requests[0]?.body);
    expect(Object.fromEntries(body)).toEqual({ grant_type: 'client_credentials', scope: 'kafka:write kafka:read' });
  });

  it('asks again once most of the lifetime has passed', async () => {
    requests = [];
    answer = issue(0.05);
    const token = clientCredentialsToken({ tokenEndpointUrl: url, clientId: 'svc', clientSecret: 's3cret' });
    const first = await token();
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(await token()).not.toBe(first);
    expect(requests).toHaveLength(2);
    expect(new URLSearchParams(requests[0]?.body).has('scope')).toBe(false);
  });

  it('names the settings to fix when the endpoint refuses the client, never the secret', async () => {
    const error = await refusal(clientCredentialsToken({ tokenEndpointUrl: url, clientId: 'svc', clientSecret: 'wrong-secret' }));
    expect(error.code).toBe('EVP_KAFKA_AUTHENTICATION_FAILED');
    expect(error.message).toContain('HTTP 401 invalid_client');
    expect(error.message).toContain('KAFKA_SASL_OAUTHBEARER_CLIENT_SECRET');
    expect(error.message).not.toContain('wrong-secret');
  });

  it('says so when the endpoint is unreachable, answers an error, or answers no token', async () => {
    const unreachable = await refusal(
      clientCredentialsToken({ tokenEndpointUrl: 'http://127.0.0.1:1/token', clientId: 'svc', clientSecret: 's3cret' }),
    );
    expect(unreachable.message).toMatch(/could not be reached .*KAFKA_SASL_OAUTHBEARER_TOKEN_ENDPOINT_URL/);
    answer = (res) => res.writeHead(503).end('down');
    expect((await refusal(clientCredentialsToken({ tokenEndpointUrl: url, clientId: 'svc', clientSecret: 's3cret' }))).message).toContain(
      'answered HTTP 503',
    );
    answer = (res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<html>login</html>');
    expect((await refusal(clientCredentialsToken({ tokenEndpointUrl: url, clientId: 'svc', clientSecret: 's3cret' }))).message).toContain(
      'other than JSON',
    );
    answer = (res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"token_type":"Bearer"}');
    expect((await refusal(clientCredentialsToken({ tokenEndpointUrl: url, clientId: 'svc', clientSecret: 's3cret' }))).message).toContain(
      'without an access_token',
    );
  });
});

describe('OAUTHBEARER settings', () => {
  const base = { KAFKA_SECURITY_PROTOCOL: 'SASL_SSL', KAFKA_SASL_MECHANISM: 'OAUTHBEARER' };
  const problemsOf = (env: Record<string, string>): string => {
    try {
      loadPublisherConfig(env);
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      return (error as Error).message;
    }
    return '';
  };

  it('take a token endpoint with a client id and secret', async () => {
    answer = issue(3600);
    const config = loadPublisherConfig({
      ...base,
      KAFKA_SASL_OAUTHBEARER_TOKEN_ENDPOINT_URL: url,
      KAFKA_SASL_OAUTHBEARER_CLIENT_ID: 'svc',
      KAFKA_SASL_OAUTHBEARER_CLIENT_SECRET: 's3cret',
    });
    const sasl = config.kafkaSecurity.sasl;
    expect(sasl?.mechanism).toBe('OAUTHBEARER');
    expect(await (sasl as { token: () => Promise<string> }).token()).toMatch(/^token-\d+$/);
  });

  it('refuse a missing source, both sources, missing credentials and a non-http URL, each by name', () => {
    expect(problemsOf(base)).toContain('KAFKA_SASL_OAUTHBEARER_TOKEN_ENDPOINT_URL');
    const both = problemsOf({
      ...base,
      KAFKA_SASL_OAUTHBEARER_TOKEN_ENDPOINT_URL: url,
      KAFKA_SASL_OAUTHBEARER_TOKEN_FILE: '/etc/hostname',
    });
    expect(both).toMatch(/KAFKA_SASL_OAUTHBEARER_TOKEN_FILE.*set one of them/);
    expect(both).toContain('KAFKA_SASL_OAUTHBEARER_CLIENT_ID');
    expect(both).toContain('KAFKA_SASL_OAUTHBEARER_CLIENT_SECRET');
    expect(problemsOf({ ...base, KAFKA_SASL_OAUTHBEARER_TOKEN_ENDPOINT_URL: 'ftp://x/token' })).toMatch(
      /KAFKA_SASL_OAUTHBEARER_TOKEN_ENDPOINT_URL.*http\(s\) URL/,
    );
    expect(problemsOf({ ...base, KAFKA_SASL_OAUTHBEARER_TOKEN_FILE: '/etc/hostname', KAFKA_SASL_OAUTHBEARER_CLIENT_ID: 'svc' })).toMatch(
      /KAFKA_SASL_OAUTHBEARER_CLIENT_ID.*is set but KAFKA_SASL_OAUTHBEARER_TOKEN_ENDPOINT_URL is not/,
    );
  });
});
