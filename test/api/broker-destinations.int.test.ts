import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useTestContext } from '../harness/index.js';
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

describe('mqtt topics at create', () => {
  it.each(['events/#', 'events/+/{type}', '$SYS/{type}'])('refuse %s, naming mqtt.topic', async (topic) => {
    const answer = await create('mqtt', { url: 'mqtt://127.0.0.1:1883', topic });
    expect([answer.status, answer.body.error?.param]).toEqual([400, 'mqtt.topic']);
  });
});
