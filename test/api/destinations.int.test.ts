import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { createSecretBox } from '../../core/secret-box.js';
import { getJson, startTestApi, testFileRoot } from '../harness/api.js';
import { useTestContext } from '../harness/index.js';
import { testSecretBox } from '../harness/secrets.js';
import { startApiStack } from './setup.js';

const ctx = useTestContext('api_destinations');
let stack: Awaited<ReturnType<typeof startApiStack>>;
let key: string;

beforeAll(async () => {
  stack = await startApiStack(ctx);
  key = await stack.key('org_dst');
});

afterAll(async () => {
  await stack?.stop();
});

async function call<T = Record<string, unknown>>(
  method: string,
  path: string,
  body?: unknown,
  apiKey = key,
): Promise<{ status: number; body: T }> {
  const response = await fetch(`${stack.api.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${apiKey}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, body: (await response.json()) as T };
}

const webhook = (overrides: Record<string, unknown> = {}) => ({
  type: 'webhook',
  description: 'billing receiver',
  event_types: ['invoice.*', 'customer.created'],
  webhook: { url: 'http://127.0.0.1:9/hooks', headers: { 'x-team': 'billing' }, timeout_ms: 5000 },
  ...overrides,
});

const storedSecrets = async (id: string) =>
  (
    await stack.pool.query<{ secret: string | null; previous_secret: string | null }>(
      'select secret, previous_secret from destinations where id = $1',
      [id],
    )
  ).rows[0];

describe('webhook signing secrets at rest', () => {
  it('are stored sealed, never as given, and revealed, rotated and used as before', async () => {
    const created = await call<{ id: string; secret: string }>('POST', '/api/v1/destinations', webhook());
    const first = await storedSecrets(created.body.id);
    expect(first?.secret).toMatch(new RegExp(`^evpenc1:${testSecretBox.keyId}:`));
    expect(first?.secret).not.toContain(created.body.secret.slice('whsec_'.length));
    expect(testSecretBox.open(first?.secret as string, created.body.id)).toBe(created.body.secret);

    const rotated = await call<{ secret: string }>('POST', `/api/v1/destinations/${created.body.id}/rotate-secret`, {});
    const both = await storedSecrets(created.body.id);
    expect(both?.secret).toMatch(/^evpenc1:/);
    expect(both?.previous_secret).toBe(first?.secret);
    const revealed = await call<Record<string, unknown>>('GET', `/api/v1/destinations/${created.body.id}/secret`);
    expect(revealed.body).toMatchObject({ secret: rotated.body.secret, previous_secret: created.body.secret });
  });

  it('stored in plain text before are sealed when an API starts, and read the same', async () => {
    const created = await call<{ id: string; secret: string }>('POST', '/api/v1/destinations', webhook());
    await stack.pool.query('update destinations set secret = $2 where id = $1', [created.body.id, created.body.secret]);
    // Readable as it is meanwhile.
    expect((await call<{ secret: string }>('GET', `/api/v1/destinations/${created.body.id}/secret`)).body.secret).toBe(created.body.secret);

    const restarted = await startTestApi(ctx, stack.schema);
    await restarted.stop();
    const stored = await storedSecrets(created.body.id);
    expect(stored?.secret).toMatch(/^evpenc1:/);
    expect(testSecretBox.open(stored?.secret as string, created.body.id)).toBe(created.body.secret);
    expect((await call<{ secret: string }>('GET', `/api/v1/destinations/${created.body.id}/secret`)).body.secret).toBe(created.body.secret);
  });

  it('sealed under another key are refused without naming the keys, and a rotation makes a readable one', async () => {
    const created = await call<{ id: string }>('POST', '/api/v1/destinations', webhook());
    const otherKey = createSecretBox(randomBytes(32));
    await stack.pool.query('update destinations set secret = $2 where id = $1', [
      created.body.id,
      otherKey.seal('whsec_c2VjcmV0IG9mIGFub3RoZXIga2V5IQ==', created.body.id),
    ]);

    const refused = await call<{ error: { code: string; message: string } }>('GET', `/api/v1/destinations/${created.body.id}/secret`);
    expect(refused.status).toBe(500);
    expect(refused.body.error.code).toBe('secret_unreadable');
    expect(refused.body.error.message).toMatch(
      new RegExp(`The signing secret of ${created.body.id} cannot be read by this API \\(request req_.+\\); rotate it`),
    );
    // The operator's key ids are for the log, not for the caller.
    expect(refused.body.error.message).not.toContain(otherKey.keyId);
    expect(refused.body.error.message).not.toContain(testSecretBox.keyId);
    expect(refused.body.error.message).not.toContain('c2VjcmV0');

    const rotated = await call<{ secret: string }>('POST', `/api/v1/destinations/${created.body.id}/rotate-secret`, {});
    const revealed = await call<Record<string, unknown>>('GET', `/api/v1/destinations/${created.body.id}/secret`);
    // The previous secret cannot be opened, so it is not offered.
    expect(revealed.body).toMatchObject({ secret: rotated.body.secret, previous_secret: null, previous_secret_expires_at: null });
  });
});

describe('an API whose key was made just now', () => {
  it('refuses to start when the stored secrets were sealed with other keys only, naming them', async () => {
    await call('POST', '/api/v1/destinations', webhook());
    const fresh = createSecretBox(randomBytes(32));
    const refused = await startTestApi(ctx, stack.schema, { secretBox: fresh, secretKeyMadeNow: true }).then(
      () => undefined,
      (error: unknown) => error as Error & { code: string },
    );
    expect(refused?.code).toBe('EVP_CONFIG_INVALID');
    expect(refused?.message).toContain(`under key ${testSecretBox.keyId}`);
    expect(refused?.message).toContain(`this API has just made key ${fresh.keyId}: set DESTINATION_SECRET_KEY`);
    // A key that was there before (a file kept on purpose) starts, and says what it cannot read.
    const kept = await startTestApi(ctx, stack.schema, { secretBox: fresh });
    await kept.stop();
  });
});

describe('a sealed secret copied to another destination', () => {
  it('does not open there, so a key to one organization cannot read the secret of another', async () => {
    const victim = await call<{ id: string; secret: string }>('POST', '/api/v1/destinations', webhook(), await stack.key('org_dst_victim'));
    const own = await call<{ id: string }>('POST', '/api/v1/destinations', webhook());
    const stolen = (await storedSecrets(victim.body.id))?.secret;
    await stack.pool.query('update destinations set secret = $2 where id = $1', [own.body.id, stolen]);
    const refused = await call<{ error: { code: string } }>('GET', `/api/v1/destinations/${own.body.id}/secret`);
    expect(refused.status).toBe(500);
    expect(refused.body.error.code).toBe('secret_unreadable');
    expect(JSON.stringify(refused.body)).not.toContain(victim.body.secret);
  });
});

describe('/api/v1/destinations', () => {
  it('creates a webhook with a whsec_ secret shown once, then reads, lists, updates and deletes it', async () => {
    const created = await call<Record<string, unknown>>('POST', '/api/v1/destinations', webhook());
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      object: 'destination',
      type: 'webhook',
      active: true,
      ordering: 'none',
      event_types: ['invoice.*', 'customer.created'],
      webhook: { url: 'http://127.0.0.1:9/hooks', headers: { 'x-team': 'billing' }, timeout_ms: 5000 },
    });
    expect(created.body['id']).toMatch(/^dst_/);
    expect(created.body['secret']).toMatch(/^whsec_/);
    const id = created.body['id'] as string;

    const read = await call<Record<string, unknown>>('GET', `/api/v1/destinations/${id}`);
    expect(read.status).toBe(200);
    expect(read.body['secret']).toBeUndefined();
    expect(JSON.stringify(read.body)).not.toContain(created.body['secret'] as string);

    const second = await call<Record<string, unknown>>('POST', '/api/v1/destinations', {
      type: 'kafka',
      event_types: ['*'],
      severities: ['critical'],
      kafka: { brokers: [...ctx.endpoints.kafkaBrokers], topic: 'customer.events' },
    });
    expect(second.status).toBe(201);
    expect(second.body['secret']).toBeUndefined();
    const listed = await call<{ data: { id: string }[]; has_more: boolean }>('GET', '/api/v1/destinations?limit=1');
    expect(listed.body.data.map((destination) => destination.id)).toEqual([second.body['id']]);
    expect(listed.body.has_more).toBe(true);
    const next = await call<{ data: { id: string }[]; has_more: boolean }>(
      'GET',
      `/api/v1/destinations?limit=1&starting_after=${second.body['id'] as string}`,
    );
    expect(next.body.data.map((destination) => destination.id)).toEqual([id]);

    const patched = await call<Record<string, unknown>>('PATCH', `/api/v1/destinations/${id}`, {
      active: false,
      ordering: 'per_entity',
      webhook: { timeout_ms: 10000 },
    });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({
      active: false,
      ordering: 'per_entity',
      webhook: { url: 'http://127.0.0.1:9/hooks', timeout_ms: 10000 },
    });

    const rotated = await call<Record<string, unknown>>('POST', `/api/v1/destinations/${id}/rotate-secret`, { grace_period_hours: 1 });
    expect(rotated.status).toBe(200);
    expect(rotated.body['secret']).toMatch(/^whsec_/);
    expect(rotated.body['secret']).not.toBe(created.body['secret']);
    expect(rotated.body['previous_secret_expires_at']).not.toBeNull();
    const revealed = await call<Record<string, unknown>>('GET', `/api/v1/destinations/${id}/secret`);
    expect(revealed.body).toEqual({
      object: 'destination_secret',
      destination_id: id,
      secret: rotated.body['secret'],
      previous_secret: created.body['secret'],
      previous_secret_expires_at: rotated.body['previous_secret_expires_at'],
    });

    const deleted = await call('DELETE', `/api/v1/destinations/${id}`);
    expect(deleted).toEqual({ status: 200, body: { id, object: 'destination', deleted: true } });
    expect((await call('GET', `/api/v1/destinations/${id}`)).status).toBe(404);
    // Another organization never sees it.
    const other = await stack.key('org_dst_other');
    expect((await call('GET', `/api/v1/destinations/${second.body['id'] as string}/secret`, undefined, other)).status).toBe(404);
    expect((await call('GET', `/api/v1/destinations/${second.body['id'] as string}`, undefined, other)).status).toBe(404);
    expect((await getJson<{ data: unknown[] }>(`${stack.api.url}/api/v1/destinations`, other)).body.data).toEqual([]);
  });

  it.each([
    [{ webhook: { url: 'not a url' } }, 'webhook.url'],
    [{ webhook: { url: 'ftp://127.0.0.1/x' } }, 'webhook.url'],
    [{ webhook: { url: 'http://example.com/hook' } }, 'webhook.url'],
    [{ webhook: { url: 'https://10.0.0.5/hook' } }, 'webhook.url'],
    [{ webhook: { url: 'https://169.254.169.254/latest/meta-data' } }, 'webhook.url'],
    [{ webhook: { url: 'https://[::1]/hook' } }, 'webhook.url'],
    [{ webhook: { url: 'https://user:pass@127.0.0.1/hook' } }, 'webhook.url'],
    [{ webhook: { url: 'https://127.0.0.1/hook', headers: { 'webhook-signature': 'x' } } }, 'webhook.headers.webhook-signature'],
    [{ webhook: { url: 'https://127.0.0.1/hook', timeout_ms: 10 } }, 'webhook.timeout_ms'],
    [{ webhook: undefined }, 'webhook'],
    [{ event_types: ['invoice.refunded_twice'] }, 'event_types'],
    [{ event_types: [] }, 'event_types'],
    [{ entity_types: ['spaceship'] }, 'entity_types'],
    [{ severities: ['loud'] }, 'severities'],
    [{ ordering: 'sometimes' }, 'ordering'],
    [{ colour: 'red' }, 'colour'],
    [{ type: 'carrier-pigeon' }, 'type'],
    [{ kafka: { brokers: ['x:1'], topic: 't' } }, 'kafka'],
  ])('answers %j with a 400 naming %s', async (overrides, param) => {
    const answer = await call('POST', '/api/v1/destinations', webhook(overrides));
    expect(answer.status, JSON.stringify(answer.body)).toBe(400);
    expect(answer.body).toMatchObject({ error: { type: 'invalid_request_error', param } });
  });

  it('checks kafka and file settings, naming the field', async () => {
    const kafka = await call('POST', '/api/v1/destinations', {
      type: 'kafka',
      event_types: ['*'],
      kafka: { brokers: ['no-port'], topic: 'ok' },
    });
    expect(kafka.body).toMatchObject({ error: { param: 'kafka.brokers' } });
    const topic = await call('POST', '/api/v1/destinations', {
      type: 'kafka',
      event_types: ['*'],
      kafka: { brokers: ['h:9092'], topic: 'bad topic' },
    });
    expect(topic.body).toMatchObject({ error: { param: 'kafka.topic' } });
    const noTopic = await call('POST', '/api/v1/destinations', { type: 'kafka', event_types: ['*'], kafka: { brokers: ['h:9092'] } });
    expect(noTopic.body).toMatchObject({ error: { param: 'kafka.topic', code: 'parameter_missing' } });
    const file = await call('POST', '/api/v1/destinations', { type: 'file', event_types: ['*'], file: { directory: '../etc' } });
    expect(file.body).toMatchObject({ error: { param: 'file.directory' } });
    const outside = await call('POST', '/api/v1/destinations', { type: 'file', event_types: ['*'], file: { directory: '/etc/cron.d' } });
    expect(outside.body).toMatchObject({ error: { param: 'file.directory', message: expect.stringContaining('DESTINATION_FILE_ROOT') } });
    const good = await call('POST', '/api/v1/destinations', { type: 'file', event_types: ['sim.*'], file: { directory: 'evp-out' } });
    expect(good.status).toBe(201);
  });
});

describe('kafka destinations', () => {
  const kafka = (brokers: readonly string[], topic: string, apiKey = key, url = stack.api.url) =>
    fetch(`${url}/api/v1/destinations`, {
      method: 'POST',
      headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ type: 'kafka', event_types: ['*'], kafka: { brokers, topic } }),
    }).then(async (response) => ({ status: response.status, body: (await response.json()) as { error?: Record<string, string> } }));

  it("are refused on the pipeline's own cluster unless DESTINATION_ALLOWED_KAFKA_BROKERS lists it", async () => {
    const strict = await startTestApi(ctx, stack.schema, { allowedKafkaBrokers: [] });
    try {
      const own = await kafka(ctx.endpoints.kafkaBrokers, 'customer.events', key, strict.url);
      expect(own.status).toBe(400);
      expect(own.body.error).toMatchObject({ type: 'invalid_request_error', code: 'parameter_invalid', param: 'kafka.brokers' });
      expect(own.body.error?.['message']).toContain("the pipeline's own Kafka cluster");
      expect(own.body.error?.['message']).toContain('DESTINATION_ALLOWED_KAFKA_BROKERS');
      // Another spelling of the same broker is the same cluster.
      const port = ctx.endpoints.kafkaBrokers[0]?.split(':')[1] ?? '9092';
      expect((await kafka([`localhost:${port}`], 'customer.events', key, strict.url)).body.error?.['param']).toBe('kafka.brokers');
    } finally {
      await strict.stop();
    }
    // Allowed by the operator (the test API's default), it is accepted.
    expect((await kafka(ctx.endpoints.kafkaBrokers, 'customer.events')).status).toBe(201);
  });

  it('are refused at internal addresses, and when their host does not resolve', async () => {
    for (const broker of ['10.0.0.5:9092', '169.254.169.254:9092', '127.0.0.1:1', 'localhost:2']) {
      const refused = await kafka([broker], 'customer.events');
      expect(refused.status, broker).toBe(400);
      expect(refused.body.error, broker).toMatchObject({ param: 'kafka.brokers', message: expect.stringContaining('internal address') });
    }
    const nowhere = await kafka(['broker.invalid:9092'], 'customer.events');
    expect(nowhere.body.error).toMatchObject({ param: 'kafka.brokers', message: expect.stringContaining('does not resolve') });
  });

  it("are refused on the pipeline's own topics and Kafka's internal ones, even on the allowed own cluster", async () => {
    for (const topic of [`${ctx.topicPrefix}.invoice`, `${ctx.topicPrefix}.dead-letter`, '__consumer_offsets']) {
      const refused = await kafka(ctx.endpoints.kafkaBrokers, topic);
      expect(refused.status, topic).toBe(400);
      expect(refused.body.error, topic).toMatchObject({ param: 'kafka.topic' });
    }
  });
});

describe('a destination saved under older rules', () => {
  it('can still be paused and described, while a change of its settings is checked against the rules of now', async () => {
    const created = await call<{ id: string }>('POST', '/api/v1/destinations', {
      type: 'kafka',
      event_types: ['*'],
      kafka: { brokers: ctx.endpoints.kafkaBrokers, topic: 'customer.events' },
    });
    expect(created.status).toBe(201);
    // What the rules of before allowed: a broker at an internal address.
    await stack.pool.query(`update destinations set settings = jsonb_set(settings, '{brokers}', '["10.0.0.5:9092"]') where id = $1`, [
      created.body.id,
    ]);
    const paused = await call('PATCH', `/api/v1/destinations/${created.body.id}`, { active: false, description: 'old cluster' });
    expect(paused.status).toBe(200);
    expect(paused.body).toMatchObject({ active: false, description: 'old cluster', kafka: { brokers: ['10.0.0.5:9092'] } });
    const moved = await call<{ error: Record<string, string> }>('PATCH', `/api/v1/destinations/${created.body.id}`, {
      kafka: { topic: 'customer.other' },
    });
    expect(moved.status).toBe(400);
    expect(moved.body.error).toMatchObject({ param: 'kafka.brokers', message: expect.stringContaining('internal address') });
  });
});

describe('file destinations', () => {
  it("keep each organization in its own directory: another organization's is refused, and the directory is answered as given", async () => {
    const a = await stack.key('org_files_a');
    const b = await stack.key('org_files_b');
    const file = (directory: string, apiKey: string) =>
      call<{ file?: { directory: string }; error?: { param: string; message: string } }>(
        'POST',
        '/api/v1/destinations',
        { type: 'file', event_types: ['*'], file: { directory } },
        apiKey,
      );

    const relative = await file('exports/invoices', a);
    expect(relative.status).toBe(201);
    expect(relative.body.file?.directory).toBe('exports/invoices');
    const absolute = await file(`${testFileRoot}/org_files_a/exports`, a);
    expect(absolute.status).toBe(201);
    expect(absolute.body.file?.directory).toBe(`${testFileRoot}/org_files_a/exports`);

    for (const directory of [
      `${testFileRoot}/org_files_a/exports`,
      `${testFileRoot}/org_files_a`,
      testFileRoot,
      '../org_files_a',
      'x/../../org_files_a',
    ]) {
      const refused = await file(directory, b);
      expect(refused.status, directory).toBe(400);
      expect(refused.body.error?.param, directory).toBe('file.directory');
    }
    // A PATCH is held to the same rule.
    const own = await file('exports', b);
    const moved = await call<{ error?: { param: string } }>(
      'PATCH',
      `/api/v1/destinations/${(own.body as { id: string }).id}`,
      { file: { directory: `${testFileRoot}/org_files_a/exports` } },
      b,
    );
    expect(moved.status).toBe(400);
    expect(moved.body.error?.param).toBe('file.directory');
  });
});

describe('the number of destinations per organization', () => {
  it('is capped by API_MAX_DESTINATIONS_PER_ORG, even for creates at once, and a delete makes room', async () => {
    const capped = await startTestApi(ctx, stack.schema, { maxDestinationsPerOrg: 3 });
    const capKey = await stack.key('org_dst_capped');
    const create = () =>
      fetch(`${capped.url}/api/v1/destinations`, {
        method: 'POST',
        headers: { authorization: `Bearer ${capKey}`, 'content-type': 'application/json' },
        body: JSON.stringify(webhook()),
      }).then(async (response) => ({ status: response.status, body: (await response.json()) as Record<string, unknown> }));
    try {
      const answers = await Promise.all(Array.from({ length: 8 }, create));
      expect(answers.filter((answer) => answer.status === 201)).toHaveLength(3);
      const refused = answers.filter((answer) => answer.status !== 201);
      expect(refused).toHaveLength(5);
      for (const answer of refused) {
        expect(answer.status).toBe(400);
        expect(answer.body['error']).toMatchObject({ type: 'invalid_request_error', code: 'destination_limit_reached' });
        expect((answer.body['error'] as { message: string }).message).toContain('API_MAX_DESTINATIONS_PER_ORG');
      }
      // Another organization has its own count.
      expect((await call('POST', '/api/v1/destinations', webhook())).status).toBe(201);

      const first = answers.find((answer) => answer.status === 201)?.body['id'] as string;
      expect((await call('DELETE', `/api/v1/destinations/${first}`, undefined, capKey)).status).toBe(200);
      expect((await create()).status).toBe(201);
      expect((await create()).status).toBe(400);
    } finally {
      await capped.stop();
    }
  });
});
