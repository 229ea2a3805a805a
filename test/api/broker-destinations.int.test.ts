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

interface Answer {
  readonly id?: string;
  readonly error?: { readonly param?: string; readonly message?: string };
  readonly [setting: string]: unknown;
}

async function call(method: string, path: string, body: unknown): Promise<{ status: number; body: Answer }> {
  const response = await fetch(`${stack.api.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Answer };
}

const create = (type: string, settings: Record<string, unknown>) =>
  call('POST', '/api/v1/destinations', { type, event_types: ['invoice.*', 'customer.created'], [type]: settings });

const cases = {
  redis: { url: 'redis://127.0.0.1:6379/0', stream: 'events:{entity_type}', name: 'stream' },
  mqtt: { url: 'mqtt://127.0.0.1:1883', topic: 'events/{entity_type}/{entity_id}', name: 'topic' },
  amqp: { url: 'amqp://127.0.0.1:5672/', exchange: 'events', routing_key: 'evp.{type}', name: 'routing_key' },
} as const;

describe.each(Object.entries(cases))('%s destinations at create', (type, { url, name, ...valid }) => {
  const settings = { url, ...valid };

  it('keep the password sealed: answered as "set", stored apart from the settings', async () => {
    const password = 'broker-secret-value';
    const created = await create(type, { ...settings, username: 'evp', password });
    expect(created.status).toBe(201);
    expect(created.body[type]).toEqual({ ...settings, username: 'evp', password: 'set' });
    const { rows } = await stack.pool.query<{ text: string }>(
      "select settings::text || coalesce(credentials::text, '') as text from destinations where id = $1",
      [created.body.id],
    );
    expect(rows[0]?.text).not.toContain(password);
    // The password does not follow the destination to another server.
    const moved = await call('PATCH', `/api/v1/destinations/${created.body.id}`, {
      [type]: { url: url.replace('127.0.0.1', '127.0.0.2') },
    });
    expect([moved.status, moved.body.error?.param]).toEqual([400, `${type}.password`]);
  });

  it.each([
    ['an unknown setting', { ...settings, colour: 'red' }, `${type}.colour`],
    ['a template naming a field the subscribed events lack', { ...settings, [name]: 'x{data.nothing}' }, `${type}.${name}`],
    ['an internal host the operator did not allow', { ...settings, url: url.replace('127.0.0.1', '10.1.2.3') }, `${type}.url`],
    ['another scheme', { ...settings, url: 'http://127.0.0.1:6379' }, `${type}.url`],
    ['a password inside the URL', { ...settings, url: url.replace('//', '//user:pw@') }, `${type}.url`],
    ['a host that does not resolve', { ...settings, url: url.replace('127.0.0.1', 'nothing.invalid') }, `${type}.url`],
  ])('answer %s with a 400 naming the field', async (_case, given, param) => {
    const answer = await create(type, given);
    expect(answer.status).toBe(400);
    expect(answer.body.error?.param).toBe(param);
  });
});

describe('templates when the subscription changes', () => {
  it('refuse subscribing to a type that lacks a field the template names, and keep the destination as it was', async () => {
    const created = await call('POST', '/api/v1/destinations', {
      type: 'redis',
      event_types: ['invoice.*'],
      redis: { url: 'redis://127.0.0.1:6379/0', stream: 'invoices:{data.number}' },
    });
    expect(created.status).toBe(201);
    const path = `/api/v1/destinations/${created.body.id}`;
    const widened = await call('PATCH', path, { event_types: ['invoice.*', 'customer.created'] });
    expect([widened.status, widened.body.error?.param]).toEqual([400, 'redis.stream']);
    expect(widened.body.error?.message).toMatch(/\{data\.number\} names a field that events of customer\.created do not have/);
    const { rows } = await stack.pool.query<{ event_types: string[] }>('select event_types from destinations where id = $1', [
      created.body.id,
    ]);
    expect(rows[0]?.event_types).toEqual(['invoice.*']);
    // A subscription the template fits is taken; so is an edit that leaves the subscription alone.
    expect((await call('PATCH', path, { event_types: ['invoice.paid'] })).status).toBe(200);
    expect((await call('PATCH', path, { description: 'invoices by number' })).status).toBe(200);
  });
});

describe('mqtt topics at create', () => {
  it.each(['events/#', 'events/+/{type}', '$SYS/{type}'])('refuse %s, naming mqtt.topic', async (topic) => {
    const answer = await create('mqtt', { url: 'mqtt://127.0.0.1:1883', topic });
    expect([answer.status, answer.body.error?.param]).toEqual([400, 'mqtt.topic']);
  });
});

/** A PEM block that is no certificate: what a truncated copy and paste leaves. */
const garbledCertificate = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';

/** A 400 naming `param`, its message matching `says`. */
async function refused(type: string, settings: Record<string, unknown>, param: string, says: string | RegExp): Promise<void> {
  const answer = await create(type, settings);
  expect(answer.status, JSON.stringify(answer.body)).toBe(400);
  expect(answer.body.error?.param).toBe(param);
  expect(answer.body.error?.message).toMatch(says);
}

describe('rabbitmq destinations at create', () => {
  const amqp = { url: 'amqp://127.0.0.1:5672/', username: 'guest', exchange: 'events', routing_key: 'evp.{type}' };

  it('seal the password with the destination id, apart from the settings', async () => {
    const created = await create('amqp', { ...amqp, password: 'hunter2-amqp' });
    expect(created.status).toBe(201);
    const { rows } = await stack.pool.query<{ credentials: Record<string, string> }>('select credentials from destinations where id = $1', [
      created.body.id,
    ]);
    expect(openCredentials(testSecretBox, created.body.id ?? '', rows[0]?.credentials ?? null)).toEqual({ password: 'hunter2-amqp' });
  });

  it('answer a wrong URL or a CA without TLS with a 400 saying what is wrong', async () => {
    await refused(
      'amqp',
      { ...amqp, url: 'amqp://10.1.2.3:5672/' },
      'amqp.url',
      /10\.1\.2\.3 is an internal address.*DESTINATION_ALLOWED_HOSTS/,
    );
    await refused('amqp', { ...amqp, url: 'http://127.0.0.1:5672/' }, 'amqp.url', 'scheme must be amqp, amqps (got http:)');
    await refused(
      'amqp',
      { ...amqp, url: 'amqp://guest:guest@127.0.0.1:5672/' },
      'amqp.url',
      'give them as amqp.username and amqp.password',
    );
    await refused('amqp', { ...amqp, url: 'amqp://127.0.0.1:5672/a/b' }, 'amqp.url', 'at most one virtual host');
    await refused('amqp', { ...amqp, url: 'amqp://no-such-host.invalid/' }, 'amqp.url', 'does not resolve');
    await refused('amqp', { ...amqp, ssl_ca_pem: 'x' }, 'amqp.ssl_ca_pem', 'for amqps:// URLs');
    const amqps = { ...amqp, url: 'amqps://127.0.0.1:5671/' };
    await refused('amqp', { ...amqps, ssl_ca_pem: 'x' }, 'amqp.ssl_ca_pem', 'amqp.ssl_ca_pem holds no PEM certificate');
    await refused(
      'amqp',
      { ...amqps, ssl_ca_pem: garbledCertificate },
      'amqp.ssl_ca_pem',
      'certificate 1 of amqp.ssl_ca_pem does not parse',
    );
    await refused('amqp', { ...amqp, routing_key: 'evp.{type' }, 'amqp.routing_key', /is not closed/);
  });
});

describe('nats destinations at create', () => {
  const nats = { servers: ['nats://127.0.0.1:4222'], subject: 'evp.{type}' };

  it('keep the token sealed: answered as "set"', async () => {
    const created = await create('nats', { ...nats, token: 'hunter2-nats' });
    expect(created.status).toBe(201);
    expect(created.body['nats']).toEqual({ ...nats, token: 'set' });
  });

  it('answer wrong settings with a 400 naming the setting at fault', async () => {
    await refused('nats', { ...nats, subject: 'evp.{data.no_such_field}' }, 'nats.subject', /names a field that events of \w+/);
    await refused('nats', { ...nats, subject: 'evp.*.{type}' }, 'nats.subject', /wildcard/);
    await refused('nats', { ...nats, subject: 'evp..{type}' }, 'nats.subject', /empty token/);
    await refused('nats', { ...nats, ssl_ca_pem: 'x' }, 'nats.ssl_ca_pem', 'for tls:// URLs');
    const tls = { ...nats, servers: ['tls://127.0.0.1:4222'] };
    await refused('nats', { ...tls, ssl_ca_pem: garbledCertificate }, 'nats.ssl_ca_pem', 'certificate 1 of nats.ssl_ca_pem does not parse');
    await refused('nats', { ...nats, servers: ['nats://192.168.7.7:4222'] }, 'nats.servers', /192\.168\.7\.7 is an internal address/);
    await refused('nats', { ...nats, servers: ['http://127.0.0.1:4222'] }, 'nats.servers', 'scheme must be nats, tls (got http:)');
    await refused('nats', { ...nats, servers: ['nats://u:p@127.0.0.1:4222'] }, 'nats.servers', 'must not carry a user or password');
    await refused('nats', { ...nats, servers: ['nats://nothing.invalid:4222'] }, 'nats.servers', 'does not resolve');
    await refused('nats', { ...nats, user: 'a', token: 't' }, 'nats.token', 'not both');
    await refused('nats', { ...nats, password: 'p' }, 'nats.password', 'needs nats.user');
    await refused('nats', { ...nats, queue: 'q' }, 'nats.queue', /queue/);
  });
});
