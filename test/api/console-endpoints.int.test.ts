import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRegistryClient } from '../../adapters/registry.js';
import { entityTopic, valueSubject } from '../../core/topics.js';
import { readEventSchemas } from '../../schemas/event-schemas.js';
import { getJson, startTestApi } from '../harness/api.js';
import { useTestContext } from '../harness/index.js';
import { waitFor } from '../harness/materializer.js';
import { startApiStack } from './setup.js';

const ctx = useTestContext('api_console');
let stack: Awaited<ReturnType<typeof startApiStack>>;
let keyA: string;
let keyB: string;

beforeAll(async () => {
  stack = await startApiStack(ctx);
  keyA = await stack.key('org_con_a');
  keyB = await stack.key('org_con_b');
});

afterAll(async () => {
  await stack?.stop();
});

const get = <T = Record<string, unknown>>(path: string, key = keyA) => getJson<T>(`${stack.api.url}${path}`, key);

interface ListBody<T> {
  object: string;
  url: string;
  has_more: boolean;
  data: T[];
}

describe('GET /api/v1/organization', () => {
  it("answers the key's organization and the key's id and name, for each key", async () => {
    const { rows } = await stack.pool.query<{ id: string; organization_id: string }>(
      'select id, organization_id from api_keys order by organization_id',
    );
    const idOf = (org: string) => rows.find((row) => row.organization_id === org)?.id;
    expect(idOf('org_con_a')).toMatch(/^key_/);

    const a = await get('/api/v1/organization', keyA);
    expect(a.status).toBe(200);
    const everything = ['events:read', 'events:write', 'destinations:read', 'destinations:write', 'admin'];
    expect(a.body).toEqual({
      object: 'organization',
      id: 'org_con_a',
      api_key: { id: idOf('org_con_a'), name: 'test', scopes: everything },
    });
    const b = await get('/api/v1/organization', keyB);
    expect(b.body).toEqual({
      object: 'organization',
      id: 'org_con_b',
      api_key: { id: idOf('org_con_b'), name: 'test', scopes: everything },
    });

    expect((await getJson(`${stack.api.url}/api/v1/organization`, undefined)).status).toBe(401);
    const unknown = await get('/api/v1/organization?x=1');
    expect(unknown.status).toBe(400);
    expect(unknown.body).toMatchObject({ error: { code: 'parameter_unknown', param: 'x' } });
  });
});

interface DeadLetterBody {
  object: string;
  id: string;
  group_id: string;
  topic: string;
  partition: number;
  offset: number;
  reason_code: string;
  reason: string;
  failed_at: string;
  key: string | null;
  event_id: string | null;
  event_type: string | null;
}

describe('GET /api/v1/dead-letters', () => {
  it("lists the records the materializer refused, by their ce_orgid header, newest first, and never another organization's", async () => {
    const producer = await ctx.createProducer();
    const topic = entityTopic(ctx.topicPrefix, 'invoice');
    const bad = (key: string, headers: Record<string, string>) => ({ key, value: Buffer.from('{"not":"avro"}'), headers });
    // One partition key for all, so the offsets say the order they were written in.
    for (let i = 1; i <= 3; i++) {
      await producer.send({
        topic,
        messages: [bad('inv_dead', { ce_orgid: 'org_con_a', ce_id: `evt_dead_a_${i}`, ce_type: 'invoice.paid' })],
      });
    }
    await producer.send({ topic, messages: [bad('inv_dead', { ce_orgid: 'org_con_b', ce_id: 'evt_dead_b', ce_type: 'invoice.sent' })] });
    await producer.send({ topic, messages: [bad('inv_dead', { origin: 'no organization' })] });
    await waitFor(
      async () => (await stack.pool.query<{ n: number }>('select count(*)::int as n from dead_letters')).rows[0]?.n ?? 0,
      (n) => n >= 5,
      60_000,
      'five dead letters',
    );

    const a = await get<ListBody<DeadLetterBody>>('/api/v1/dead-letters');
    expect(a.status).toBe(200);
    expect(a.body).toMatchObject({ object: 'list', url: '/api/v1/dead-letters', has_more: false });
    expect(a.body.data.map((letter) => letter.event_id)).toEqual(['evt_dead_a_3', 'evt_dead_a_2', 'evt_dead_a_1']);
    const [newest] = a.body.data;
    expect(newest).toMatchObject({
      object: 'dead_letter',
      group_id: ctx.groupId('materializer'),
      topic,
      reason_code: 'wire_format',
      key: 'inv_dead',
      event_type: 'invoice.paid',
    });
    expect(newest?.id).toMatch(/^dlq_\d+$/);
    expect(newest?.reason).toMatch(/magic byte/);
    expect(Date.parse(newest?.failed_at ?? '')).toBeGreaterThan(0);
    const { rows } = await stack.pool.query<{ kafka_offset: string; partition: number }>(
      "select kafka_offset::text, partition from dead_letters where headers->>'ce_id' = 'evt_dead_a_3'",
    );
    expect(newest?.offset).toBe(Number(rows[0]?.kafka_offset));
    expect(newest?.partition).toBe(rows[0]?.partition);

    const b = await get<ListBody<DeadLetterBody>>('/api/v1/dead-letters', keyB);
    expect(b.body.data.map((letter) => [letter.event_id, letter.event_type])).toEqual([['evt_dead_b', 'invoice.sent']]);
    // The record without ce_orgid is nobody's.
    const all = [...a.body.data, ...b.body.data].map((letter) => letter.id);
    expect(all).toHaveLength(4);

    // Paging, both ways.
    const first = await get<ListBody<DeadLetterBody>>('/api/v1/dead-letters?limit=2');
    expect(first.body.has_more).toBe(true);
    expect(first.body.data.map((letter) => letter.event_id)).toEqual(['evt_dead_a_3', 'evt_dead_a_2']);
    const second = await get<ListBody<DeadLetterBody>>(`/api/v1/dead-letters?limit=2&starting_after=${first.body.data[1]?.id}`);
    expect(second.body.has_more).toBe(false);
    expect(second.body.data.map((letter) => letter.event_id)).toEqual(['evt_dead_a_1']);
    const back = await get<ListBody<DeadLetterBody>>(`/api/v1/dead-letters?limit=1&ending_before=${second.body.data[0]?.id}`);
    expect(back.body.has_more).toBe(true);
    expect(back.body.data.map((letter) => letter.event_id)).toEqual(['evt_dead_a_2']);

    for (const [query, param] of [
      ['starting_after=evt_x', 'starting_after'],
      ['limit=0', 'limit'],
      ['limit=101', 'limit'],
      ['ending_before=dlq_abc', 'ending_before'],
      ['starting_after=dlq_1&ending_before=dlq_2', 'ending_before'],
    ] as const) {
      const refused = await get<{ error: { message: string } }>(`/api/v1/dead-letters?${query}`);
      expect(refused.status, query).toBe(400);
      expect(refused.body, query).toMatchObject({ error: { type: 'invalid_request_error', param } });
      if (param !== 'limit' && !query.includes('&')) expect(refused.body.error.message).toContain('dlq_');
    }
  });
});

interface SchemaBody {
  object: string;
  entity: string;
  subject: string;
  compatibility: string | null;
  versions: { version: number; id: number }[];
  latest: { version: number; id: number; schema: { name: string; fields: { name: string }[] } } | null;
}

describe('GET /api/v1/schemas/{entity}', () => {
  it('lists the versions of an entity schema with their ids, its compatibility rule and the latest Avro', async () => {
    const registry = createRegistryClient({ url: ctx.endpoints.schemaRegistryUrl });
    const subject = valueSubject(entityTopic(ctx.topicPrefix, 'customer'));
    const v1 = await registry.latest(subject);
    expect(v1?.version).toBeDefined();

    const before = await get<SchemaBody>('/api/v1/schemas/customer');
    expect(before.status).toBe(200);
    expect(before.body).toMatchObject({
      object: 'schema',
      entity: 'customer',
      subject,
      compatibility: 'BACKWARD',
      versions: [{ version: v1?.version, id: v1?.id }],
      latest: { version: v1?.version, id: v1?.id, schema: { name: 'CustomerEvent' } },
    });

    // A second version: the envelope with one more optional field, then a subject rule of its own.
    const schema = readEventSchemas().get('customer') as unknown as { fields: unknown[] };
    const next = { ...schema, fields: [...schema.fields, { name: 'console_note', type: ['null', 'string'], default: null }] };
    const { id: nextId } = await registry.register(subject, JSON.stringify(next));
    await registry.setCompatibility(subject, 'FULL');
    const v2 = await registry.latest(subject);
    expect(v2?.id).toBe(nextId);

    const after = await get<SchemaBody>('/api/v1/schemas/customer');
    expect(after.body.compatibility).toBe('FULL');
    expect(after.body.versions).toEqual([
      { version: v1?.version, id: v1?.id },
      { version: v2?.version, id: nextId },
    ]);
    expect(after.body.latest?.version).toBe(v2?.version);
    expect(after.body.latest?.schema.fields.map((field) => field.name)).toContain('console_note');

    const old = await get<{ object: string; version: number; id: number; schema: { fields: { name: string }[] } }>(
      `/api/v1/schemas/customer/versions/${v1?.version}`,
    );
    expect(old.status).toBe(200);
    expect(old.body).toMatchObject({ object: 'schema_version', entity: 'customer', subject, version: v1?.version, id: v1?.id });
    expect(old.body.schema.fields.map((field) => field.name)).not.toContain('console_note');

    const missing = await get('/api/v1/schemas/customer/versions/99');
    expect(missing.status).toBe(404);
    expect(missing.body).toMatchObject({ error: { code: 'resource_missing', param: 'version' } });
  });

  it('answers an entity with nothing registered with no versions and the global rule', async () => {
    const global = await createRegistryClient({ url: ctx.endpoints.schemaRegistryUrl }).globalCompatibility();
    const product = await get<SchemaBody>('/api/v1/schemas/product');
    expect(product.status).toBe(200);
    expect(product.body).toMatchObject({ entity: 'product', compatibility: global, versions: [], latest: null });
  });

  it('refuses an unknown entity and a version that is not a number, naming the parameter', async () => {
    const unknown = await get('/api/v1/schemas/spaceship');
    expect(unknown.status).toBe(400);
    expect(unknown.body).toMatchObject({ error: { code: 'entity_type_unknown', param: 'entity' } });
    const unknownVersion = await get('/api/v1/schemas/spaceship/versions/1');
    expect(unknownVersion.body).toMatchObject({ error: { code: 'entity_type_unknown', param: 'entity' } });
    const notNumber = await get('/api/v1/schemas/customer/versions/latest');
    expect(notNumber.status).toBe(400);
    expect(notNumber.body).toMatchObject({ error: { code: 'parameter_invalid_integer', param: 'version' } });
  });

  it('answers 503 service_unavailable when the registry cannot be reached, and the catalogue still answers', async () => {
    const api = await startTestApi(ctx, stack.schema, { schemaRegistryUrl: 'http://127.0.0.1:1/apis/ccompat/v7' });
    try {
      const down = await getJson(`${api.url}/api/v1/schemas/customer`, keyA);
      expect(down.status).toBe(503);
      expect(down.body).toMatchObject({ error: { type: 'api_error', code: 'service_unavailable' } });
      expect(JSON.stringify(down.body)).not.toContain('127.0.0.1:1');
      const version = await getJson(`${api.url}/api/v1/schemas/customer/versions/1`, keyA);
      expect(version.status).toBe(503);
      expect((await getJson(`${api.url}/api/v1/event-types`, keyA)).status).toBe(200);
    } finally {
      await api.stop();
    }
  });
});

interface EntityBody {
  object: string;
  organization_id: string;
  entity_type: string;
  entity_id: string;
  data: Record<string, unknown>;
  deleted: boolean;
  version: number;
  last_event_id: string;
  last_event_type: string;
}

describe('GET /api/v1/entities', () => {
  it('lists the entities of one type, most recently changed first, searched by part of the id and paged by entity id', async () => {
    const at = Date.now() - 60_000;
    const published = new Map<string, string>();
    const customers: [string, number][] = [
      ['cus_alpha_1', at],
      ['cus_ALPHA_2', at + 1000],
      ['cus_beta_3', at + 2000],
      ['cus_xalphax_4', at + 3000],
    ];
    for (const [id, occurredAt] of customers) {
      const result = await stack.publish('customer.created', 'org_con_a', id, { occurred_at: occurredAt });
      published.set(id, result.eventId);
    }
    const updated = await stack.publish('customer.updated', 'org_con_a', 'cus_alpha_1', { occurred_at: at + 500 });
    await stack.publish('customer.created', 'org_con_b', 'cus_alpha_9', { occurred_at: at + 4000 });
    await stack.settled('org_con_a', 5);
    await stack.settled('org_con_b', 1);

    const list = (query: string, key = keyA) => get<ListBody<EntityBody>>(`/api/v1/entities?${query}`, key);
    const all = await list('entity_type=customer');
    expect(all.status).toBe(200);
    expect(all.body).toMatchObject({ object: 'list', url: '/api/v1/entities', has_more: false });
    expect(all.body.data.map((entity) => entity.entity_id)).toEqual(['cus_xalphax_4', 'cus_beta_3', 'cus_ALPHA_2', 'cus_alpha_1']);
    expect(all.body.data[3]).toMatchObject({
      object: 'entity',
      organization_id: 'org_con_a',
      entity_type: 'customer',
      entity_id: 'cus_alpha_1',
      deleted: false,
      version: 2,
      last_event_id: updated.eventId,
      last_event_type: 'customer.updated',
    });
    expect(all.body.data[0]?.last_event_id).toBe(published.get('cus_xalphax_4'));

    const search = await list('entity_type=customer&q=ALPHA');
    expect(search.body.data.map((entity) => entity.entity_id)).toEqual(['cus_xalphax_4', 'cus_ALPHA_2', 'cus_alpha_1']);
    const other = await list('entity_type=customer&q=alpha', keyB);
    expect(other.body.data.map((entity) => entity.entity_id)).toEqual(['cus_alpha_9']);

    const first = await list('entity_type=customer&q=alpha&limit=2');
    expect(first.body.has_more).toBe(true);
    expect(first.body.data.map((entity) => entity.entity_id)).toEqual(['cus_xalphax_4', 'cus_ALPHA_2']);
    const second = await list('entity_type=customer&q=alpha&limit=2&starting_after=cus_ALPHA_2');
    expect(second.body.has_more).toBe(false);
    expect(second.body.data.map((entity) => entity.entity_id)).toEqual(['cus_alpha_1']);
    const back = await list('entity_type=customer&q=alpha&limit=1&ending_before=cus_alpha_1');
    expect(back.body.has_more).toBe(true);
    expect(back.body.data.map((entity) => entity.entity_id)).toEqual(['cus_ALPHA_2']);
  });

  it('refuses a missing or unknown entity_type and a cursor that is not an entity of the organization', async () => {
    const cases: [string, string, string][] = [
      ['', 'parameter_missing', 'entity_type'],
      ['entity_type=spaceship', 'entity_type_unknown', 'entity_type'],
      ['entity_type=customer&starting_after=cus_alpha_9', 'cursor_unknown', 'starting_after'],
      ['entity_type=customer&ending_before=cus_nobody', 'cursor_unknown', 'ending_before'],
      ['entity_type=customer&q=', 'parameter_invalid_empty', 'q'],
      ['entity_type=customer&limit=101', 'parameter_out_of_range', 'limit'],
    ];
    for (const [query, code, param] of cases) {
      const answer = await get(`/api/v1/entities?${query}`);
      expect(answer.status, query).toBe(400);
      expect(answer.body, query).toMatchObject({ error: { type: 'invalid_request_error', code, param } });
    }
  });
});
