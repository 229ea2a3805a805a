import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openCredentials } from '../../core/destination-credentials.js';
import { useTestContext } from '../harness/index.js';
import { testSecretBox } from '../harness/secrets.js';
import { startApiStack } from './setup.js';

const ctx = useTestContext('api_broker_destinations');
let stack: Awaited<ReturnType<typeof startApiStack>>;
let key: string;

beforeAll(async () => {
  stack = await startApiStack(ctx);
  key = await stack.key('org_brokers');
});

afterAll(async () => {
  await stack?.stop();
});

type Answer = { status: number; body: Record<string, unknown> & { error?: { param?: string; message?: string; code?: string } } };

async function call(method: string, path: string, body?: unknown): Promise<Answer> {
  const response = await fetch(`${stack.api.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, body: (await response.json()) as Answer['body'] };
}

const amqp = (settings: Record<string, unknown> = {}) => ({
  type: 'amqp',
  event_types: ['invoice.*'],
  amqp: { url: 'amqp://127.0.0.1:5672/', username: 'guest', password: 'guest', exchange: 'events', routing_key: 'evp.{type}', ...settings },
});
const nats = (settings: Record<string, unknown> = {}) => ({
  type: 'nats',
  event_types: ['invoice.*'],
  nats: { servers: ['nats://127.0.0.1:4222'], subject: 'evp.{type}', ...settings },
});

/** A 400 naming `param`, its message containing `says`. */
async function refused(body: unknown, param: string, says: string | RegExp): Promise<void> {
  const answer = await call('POST', '/api/v1/destinations', body);
  expect(answer.status, JSON.stringify(answer.body)).toBe(400);
  expect(answer.body.error?.param).toBe(param);
  expect(answer.body.error?.message).toMatch(says);
}

describe('rabbitmq destinations through the API', () => {
  it('are created with the password sealed and answered as "set"', async () => {
    const created = await call('POST', '/api/v1/destinations', amqp({ password: 'hunter2-amqp' }));
    expect(created.status).toBe(201);
    expect(created.body['amqp']).toEqual({
      url: 'amqp://127.0.0.1:5672/',
      username: 'guest',
      password: 'set',
      exchange: 'events',
      routing_key: 'evp.{type}',
    });
    const id = created.body['id'] as string;
    const { rows } = await stack.pool.query<{ settings: Record<string, unknown>; credentials: Record<string, string> }>(
      'select settings, credentials from destinations where id = $1',
      [id],
    );
    expect(JSON.stringify(rows[0]?.settings)).not.toContain('hunter2');
    expect(openCredentials(testSecretBox, id, rows[0]?.credentials ?? null)).toEqual({ password: 'hunter2-amqp' });
    // Another broker must be given the password again.
    const moved = await call('PATCH', `/api/v1/destinations/${id}`, { amqp: { url: 'amqp://127.0.0.1:5673/' } });
    expect(moved.status).toBe(400);
    expect(moved.body.error?.param).toBe('amqp.password');
  });

  it('are refused with a 400 naming the setting at fault', async () => {
    await refused(amqp({ routing_key: 'evp.{data.no_such_field}' }), 'amqp.routing_key', /names a field that events of invoice\.\w+/);
    await refused(amqp({ routing_key: 'evp.{type' }), 'amqp.routing_key', /is not closed/);
    await refused(amqp({ url: 'amqp://10.1.2.3:5672/' }), 'amqp.url', /10\.1\.2\.3 is an internal address.*DESTINATION_ALLOWED_HOSTS/);
    await refused(amqp({ url: 'http://127.0.0.1:5672/' }), 'amqp.url', 'must be amqp:// or amqps:// (got http:)');
    await refused(amqp({ url: 'amqp://guest:guest@127.0.0.1:5672/' }), 'amqp.url', 'give them as amqp.username and amqp.password');
    await refused(amqp({ url: 'amqp://no-such-host.invalid/' }), 'amqp.url', 'does not resolve');
    await refused(amqp({ ssl_ca_pem: 'x' }), 'amqp.ssl_ca_pem', 'for amqps:// URLs');
    const unknown = await call('POST', '/api/v1/destinations', amqp({ queue: 'q' }));
    expect(unknown.status).toBe(400);
    expect(JSON.stringify(unknown.body)).toContain('queue');
  });
});

describe('nats destinations through the API', () => {
  it('are created with the token sealed and answered as "set"', async () => {
    const created = await call('POST', '/api/v1/destinations', nats({ token: 'hunter2-nats' }));
    expect(created.status).toBe(201);
    expect(created.body['nats']).toEqual({ servers: ['nats://127.0.0.1:4222'], subject: 'evp.{type}', token: 'set' });
  });

  it('are refused with a 400 naming the setting at fault', async () => {
    await refused(nats({ subject: 'evp.{data.no_such_field}' }), 'nats.subject', /names a field that events of invoice\.\w+/);
    await refused(nats({ subject: 'evp.*.{type}' }), 'nats.subject', /wildcard/);
    await refused(nats({ subject: 'evp..{type}' }), 'nats.subject', /empty token/);
    await refused(nats({ servers: ['nats://192.168.7.7:4222'] }), 'nats.servers', /192\.168\.7\.7 is an internal address/);
    await refused(nats({ servers: ['http://127.0.0.1:4222'] }), 'nats.servers', 'must be nats:// or tls:// (got http:)');
    await refused(nats({ servers: ['nats://u:p@127.0.0.1:4222'] }), 'nats.servers', 'must not carry a user or password');
    await refused(nats({ user: 'a', token: 't' }), 'nats.token', 'not both');
    await refused(nats({ password: 'p' }), 'nats.password', 'needs nats.user');
  });
});
