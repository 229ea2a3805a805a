import kafkajs from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { entityTopic } from '../../core/topics.js';
import { purgeIngestKeys } from '../../store/ingest-requests.js';
import { loadPublisherConfig } from '../../adapters/config.js';
import { createPublisher } from '../../producers/publisher.js';
import { createTestKey, getJson, startTestApi } from '../harness/api.js';
import { createTestLogger } from '../harness/log-sink.js';
import { useTestContext } from '../harness/index.js';
import { prepareEntities, waitFor } from '../harness/materializer.js';
import { sampleData } from '../harness/samples.js';
import { startApiStack } from './setup.js';

/**
 * HTTP ingest against the real stack: events posted to the API go through Kafka (acks=all) and
 * the materializer into the store, where the Events API lists them back.
 */
const { ConfigResourceTypes } = kafkajs;
const ctx = useTestContext('api_ingest');
const org = 'org_ingest';
let stack: Awaited<ReturnType<typeof startApiStack>>;
let writer: string;
let reader: string;

beforeAll(async () => {
  stack = await startApiStack(ctx);
  // Smaller than a request body may be, so an event can be over its topic's limit.
  const admin = ctx.kafka.admin();
  await admin.connect();
  await admin.alterConfigs({
    validateOnly: false,
    resources: [
      {
        type: ConfigResourceTypes.TOPIC,
        name: entityTopic(ctx.topicPrefix, 'customer'),
        configEntries: [{ name: 'max.message.bytes', value: '500000' }],
      },
    ],
  });
  await admin.disconnect();
  writer = await createTestKey(stack.pool, org, ['events:write']);
  reader = await createTestKey(stack.pool, org, ['events:read']);
});

afterAll(async () => {
  await stack?.stop();
});

/** A customer as JSON would carry it (the sample's values through JSON). */
function customer(id: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return JSON.parse(JSON.stringify({ ...sampleData('customer', id), organization_id: org, ...extra })) as Record<string, unknown>;
}

/** An answer of the API: a receipt, a list, or an error. */
interface Answer {
  readonly [field: string]: unknown;
  readonly error: {
    readonly code: string;
    readonly message: string;
    readonly param?: string;
    readonly details: { readonly param: string }[];
  };
}

async function post(path: string, body: unknown, headers: Record<string, string> = {}, key = writer) {
  const response = await fetch(`${stack.api.url}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: response.status, headers: response.headers, body: (await response.json()) as Answer };
}

/** Offsets of every partition of the customer topic, summed: what Kafka holds, stored yet or not. */
async function customerRecords(): Promise<number> {
  const admin = ctx.kafka.admin();
  await admin.connect();
  try {
    const offsets = await admin.fetchTopicOffsets(entityTopic(ctx.topicPrefix, 'customer'));
    return offsets.reduce((sum, partition) => sum + Number(partition.high), 0);
  } finally {
    await admin.disconnect();
  }
}

describe('POST /api/v1/events', () => {
  it('publishes one event, answers where Kafka put it, and the Events API lists it back', async () => {
    const answer = await post('/api/v1/events', { type: 'customer.created', data: customer('cus_ingest_1'), actor: 'crm-importer' });
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    expect(answer.body).toEqual({
      object: 'event_receipt',
      id: expect.stringMatching(/^evt_[0-9a-f-]{36}$/) as string,
      type: 'customer.created',
      topic: entityTopic(ctx.topicPrefix, 'customer'),
      partition: expect.any(Number) as number,
      offset: expect.stringMatching(/^\d+$/) as string,
    });
    await stack.settled(org, 1);
    const stored = await getJson<Record<string, unknown>>(`${stack.api.url}/api/v1/events/${answer.body['id'] as string}`, reader);
    expect(stored.body).toMatchObject({ type: 'customer.created', organization_id: org, entity_id: 'cus_ingest_1', actor: 'crm-importer' });
  });

  it("takes the README's example: a customer with only the fields that have no default", async () => {
    const data = {
      id: 'cus_tour',
      object: 'customer',
      organization_id: org,
      name: 'Ada',
      email: 'ada@example.com',
      status: 'active',
      created_at: '2026-12-06T10:00:00Z',
    };
    const answer = await post('/api/v1/events', { type: 'customer.created', data });
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
  });

  it('refuses bad input naming what is wrong, and publishes nothing', async () => {
    const before = await customerRecords();
    const cases: [string, Awaited<ReturnType<typeof post>>, number, Record<string, unknown>][] = [
      [
        'unknown type',
        await post('/api/v1/events', { type: 'customer.teleported', data: customer('cus_x') }),
        400,
        { code: 'event_invalid', param: 'type' },
      ],
      [
        'fields of the wrong type',
        await post('/api/v1/events', { type: 'customer.created', data: customer('cus_x', { email: 42, name: ['not', 'a', 'name'] }) }),
        400,
        { code: 'event_invalid' },
      ],
      [
        'the organization in the body',
        await post('/api/v1/events', { type: 'customer.created', data: customer('cus_x'), organization_id: 'org_other' }),
        400,
        { code: 'parameter_unknown' },
      ],
      [
        "another organization's entity",
        await post('/api/v1/events', { type: 'customer.created', data: customer('cus_x', { organization_id: 'org_other' }) }),
        400,
        { code: 'event_invalid', param: 'data.organization_id' },
      ],
      ['malformed JSON', await post('/api/v1/events', '{"type": "customer.created", "data": {'), 400, { code: 'body_invalid_json' }],
      ['no data', await post('/api/v1/events', { type: 'customer.created' }), 400, { code: 'parameter_missing', param: 'data' }],
      [
        'a read-only key',
        await post('/api/v1/events', { type: 'customer.created', data: customer('cus_x') }, {}, reader),
        403,
        { code: 'scope_missing' },
      ],
      [
        'a body over 1 MiB',
        await post('/api/v1/events', { type: 'customer.created', data: customer('cus_x', { name: 'x'.repeat(1_100_000) }) }),
        413,
        { code: 'body_too_large' },
      ],
      [
        'an event over its topic limit',
        await post('/api/v1/events', { type: 'customer.created', data: customer('cus_x', { name: 'x'.repeat(600_000) }) }),
        400,
        { code: 'event_invalid', param: '' },
      ],
    ];
    for (const [name, answer, status, error] of cases) {
      expect(answer.status, `${name}: ${JSON.stringify(answer.body)}`).toBe(status);
      expect(answer.body['error'], name).toMatchObject(error);
    }
    // Every wrong field is listed by its path.
    const wrong = cases[1]?.[1].body['error'] as { details: { param: string }[] };
    expect(wrong.details.map((detail) => detail.param)).toEqual(expect.arrayContaining(['data.email', 'data.name']));

    const plain = await fetch(`${stack.api.url}/api/v1/events`, {
      method: 'POST',
      headers: { authorization: `Bearer ${writer}`, 'content-type': 'text/plain' },
      body: 'customer.created',
    });
    expect(plain.status).toBe(415);
    expect(await customerRecords()).toBe(before);
  });

  it('answers a retry with the same Idempotency-Key with the first answer, and the key with another body with 409', async () => {
    const before = await customerRecords();
    const request = { type: 'customer.created', data: customer('cus_ingest_idem') };
    const first = await post('/api/v1/events', request, { 'idempotency-key': 'import-42' });
    const again = await post('/api/v1/events', request, { 'idempotency-key': 'import-42' });
    expect(first.status).toBe(200);
    expect(again).toMatchObject({ status: 200, body: first.body });
    expect(again.headers.get('idempotent-replayed')).toBe('true');

    const other = await post('/api/v1/events', { ...request, actor: 'someone else' }, { 'idempotency-key': 'import-42' });
    expect(other.status).toBe(409);
    expect(other.body['error']).toMatchObject({ code: 'idempotency_key_reused', param: 'Idempotency-Key' });
    expect(other.body['error'].message).toContain('import-42');

    // A client-supplied id does the same without the header.
    const withId = { ...request, id: 'evt_01938a2e-4c3b-7d2e-9f10-aabbccddeeff', data: customer('cus_ingest_id') };
    const once = await post('/api/v1/events', withId);
    const twice = await post('/api/v1/events', withId);
    expect(twice).toMatchObject({ status: 200, body: once.body });
    expect(once.body['id']).toBe(withId.id);
    const bad = await post('/api/v1/events', request, { 'idempotency-key': 'has spaces' });
    expect(bad.body['error']).toMatchObject({ code: 'parameter_invalid', param: 'idempotency-key' });

    expect(await customerRecords()).toBe(before + 2);
  });
});

describe('idempotency keys', () => {
  it('are kept 24 hours: an older key takes another request, and the purge deletes it', async () => {
    const request = { type: 'customer.created', data: customer('cus_ingest_old') };
    expect((await post('/api/v1/events', request, { 'idempotency-key': 'old-key' })).status).toBe(200);
    await stack.pool.query("update ingest_requests set created_at = now() - interval '25 hours' where idempotency_key = 'old-key'");

    const other = await post('/api/v1/events', { ...request, actor: 'a day later' }, { 'idempotency-key': 'old-key' });
    expect(other.status, JSON.stringify(other.body)).toBe(200);
    expect(other.headers.get('idempotent-replayed')).toBeNull();

    await stack.pool.query("update ingest_requests set created_at = now() - interval '25 hours' where idempotency_key = 'old-key'");
    expect(await purgeIngestKeys(stack.pool)).toBeGreaterThanOrEqual(1);
    const { rows } = await stack.pool.query("select 1 from ingest_requests where idempotency_key = 'old-key'");
    expect(rows).toEqual([]);
  });

  it('belong to one organization: another organization may use the same key', async () => {
    const otherWriter = await createTestKey(stack.pool, 'org_ingest_other', ['events:write']);
    const mine = await post(
      '/api/v1/events',
      { type: 'customer.created', data: customer('cus_shared_key') },
      { 'idempotency-key': 'shared' },
    );
    const theirs = await post(
      '/api/v1/events',
      { type: 'customer.created', data: { ...customer('cus_shared_key'), organization_id: 'org_ingest_other' } },
      { 'idempotency-key': 'shared' },
      otherWriter,
    );
    expect([mine.status, theirs.status]).toEqual([200, 200]);
    expect(theirs.body['id']).not.toBe(mine.body['id']);
    expect(theirs.headers.get('idempotent-replayed')).toBeNull();
  });
});

describe('POST /api/v1/events/batch', () => {
  it('publishes every event in order and answers each one', async () => {
    const events = ['cus_batch_1', 'cus_batch_2', 'cus_batch_3'].map((id) => ({ type: 'customer.created', data: customer(id) }));
    const answer = await post('/api/v1/events/batch', { events }, { 'idempotency-key': 'batch-1' });
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    const data = answer.body['data'] as { id: string; status: string; topic: string }[];
    expect(data.map((item) => item.status)).toEqual(['published', 'published', 'published']);
    const again = await post('/api/v1/events/batch', { events }, { 'idempotency-key': 'batch-1' });
    expect(again.body).toEqual(answer.body);

    for (const { id } of data) {
      await waitFor(
        async () => (await getJson(`${stack.api.url}/api/v1/events/${id}`, reader)).status,
        (status) => status === 200,
        60_000,
        `event ${id} in the API`,
      );
    }
  });

  it('publishes none of a batch with one wrong event, listing its problems under its index, and refuses more than 500', async () => {
    const before = await customerRecords();
    const events = [
      { type: 'customer.created', data: customer('cus_all_1') },
      { type: 'customer.created', data: customer('cus_all_2', { email: 7 }) },
      { type: 'customer.exploded', data: customer('cus_all_3') },
    ];
    const answer = await post('/api/v1/events/batch', { events });
    expect(answer.status).toBe(400);
    expect(answer.body['error']).toMatchObject({ code: 'event_invalid', param: 'events[1].data.email' });
    const params = (answer.body['error'].details as { param: string }[]).map((detail) => detail.param);
    expect(params).toEqual(['events[1].data.email', 'events[2].type']);

    const tooMany = await post('/api/v1/events/batch', { events: Array.from({ length: 501 }, () => events[0]) });
    expect(tooMany.status).toBe(400);
    expect(tooMany.body['error']).toMatchObject({ param: 'events' });
    expect(tooMany.body['error'].message).toContain('500');
    expect(await customerRecords()).toBe(before);
  });
});

describe('a batch Kafka takes only part of', () => {
  it('answers 207 with each event published or failed, and a retry with the same key publishes the failed ones under the same ids', async () => {
    // Topics of its own, one of which goes away between the publisher reading its metadata and the
    // send, and a publisher that sends each event in a request of its own and gives up quickly.
    const prefix = `${ctx.topicPrefix}.partial`;
    await prepareEntities(ctx, ['invoice', 'customer'], 1, prefix);
    const publisher = createPublisher(loadPublisherConfig({ ...ctx.env, TOPIC_PREFIX: prefix }), {
      service: 'test',
      logger: createTestLogger('error'),
      batchMaxEvents: 1,
      retry: { retries: 1, initialRetryTime: 100, maxRetryTime: 200 },
    });
    const api = await startTestApi(ctx, stack.schema, { ingest: publisher });
    const send = (events: unknown[], key: string) =>
      fetch(`${api.url}/api/v1/events/batch`, {
        method: 'POST',
        headers: { authorization: `Bearer ${writer}`, 'content-type': 'application/json', 'idempotency-key': key },
        body: JSON.stringify({ events }),
      }).then(async (response) => ({
        status: response.status,
        body: (await response.json()) as { data: { id: string; status: string; error?: { code: string } }[] },
      }));
    const invoice = {
      type: 'invoice.created',
      data: JSON.parse(JSON.stringify({ ...sampleData('invoice', 'inv_partial'), organization_id: org })) as unknown,
    };
    const person = { type: 'customer.created', data: customer('cus_partial') };
    try {
      expect((await send([invoice, person], 'warm-up')).status).toBe(200);
      await deleteTopic(entityTopic(prefix, 'customer'));

      const partial = await send([invoice, person], 'partial-1');
      expect(partial.status, JSON.stringify(partial.body)).toBe(207);
      expect(partial.body.data.map((item) => item.status)).toEqual(['published', 'failed']);
      expect(partial.body.data[1]?.error?.code).toMatch(/^EVP_/);

      await prepareEntities(ctx, ['customer'], 1, prefix);
      const retried = await send([invoice, person], 'partial-1');
      expect(retried.status).toBe(200);
      expect(retried.body.data.map((item) => [item.id, item.status])).toEqual(partial.body.data.map((item) => [item.id, 'published']));
    } finally {
      await api.stop();
      await publisher.close();
    }
  });
});

describe('a key whose first request is still being published', () => {
  it('answers a retry meanwhile with 409 idempotency_key_in_flight, then with the first answer', async () => {
    // A publisher that waits 2 s for more events before it sends: the first request is in flight that long.
    const publisher = createPublisher(loadPublisherConfig({ ...ctx.env, TOPIC_PREFIX: ctx.topicPrefix }), {
      service: 'test',
      logger: createTestLogger('error'),
      lingerMs: 2_000,
    });
    const api = await startTestApi(ctx, stack.schema, { ingest: publisher });
    const request = { type: 'customer.created', data: customer('cus_in_flight') };
    const send = () =>
      fetch(`${api.url}/api/v1/events`, {
        method: 'POST',
        headers: { authorization: `Bearer ${writer}`, 'content-type': 'application/json', 'idempotency-key': 'slow-1' },
        body: JSON.stringify(request),
      }).then(async (response) => ({ status: response.status, body: (await response.json()) as Answer }));
    try {
      const first = send();
      await waitFor(
        async () => (await stack.pool.query("select 1 from ingest_requests where idempotency_key = 'slow-1'")).rowCount,
        (rows) => rows === 1,
        10_000,
        'the first request to hold its key',
      );
      const meanwhile = await send();
      expect(meanwhile.status).toBe(409);
      expect(meanwhile.body.error).toMatchObject({ code: 'idempotency_key_in_flight', param: 'Idempotency-Key' });
      const answered = await first;
      expect(answered.status).toBe(200);
      expect(await send()).toEqual(answered);
    } finally {
      await api.stop();
      await publisher.close();
    }
  });
});

async function deleteTopic(topic: string): Promise<void> {
  const admin = ctx.kafka.admin();
  await admin.connect();
  try {
    await admin.deleteTopics({ topics: [topic] });
    await waitFor(
      async () => (await admin.listTopics()).includes(topic),
      (listed) => !listed,
      30_000,
      `${topic} deleted`,
    );
  } finally {
    await admin.disconnect();
  }
}
