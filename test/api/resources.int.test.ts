import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readCatalogue } from '../../schemas/catalogue.js';
import { getJson } from '../harness/api.js';
import { useTestContext } from '../harness/index.js';
import { startApiStack } from './setup.js';

const ctx = useTestContext('api_resources');
let stack: Awaited<ReturnType<typeof startApiStack>>;
let key: string;

beforeAll(async () => {
  stack = await startApiStack(ctx);
  key = await stack.key('org_res');
});

afterAll(async () => {
  await stack?.stop();
});

const get = <T = Record<string, unknown>>(path: string) => getJson<T>(`${stack.api.url}${path}`, key);

interface HistoryBody {
  has_more: boolean;
  data: {
    id: string;
    type: string;
    previous_attributes: Record<string, unknown> | null;
    changes: { attribute: string; previous: unknown; current: unknown }[];
  }[];
}

describe('entities', () => {
  const ids: string[] = [];

  beforeAll(async () => {
    const at = Date.now() - 60_000;
    const steps: [string, Record<string, unknown>, Record<string, unknown> | undefined][] = [
      ['crm.deal.created', { name: 'Deal', stage: 'lead', amount: 1000 }, undefined],
      ['crm.deal.stage_updated', { name: 'Deal', stage: 'qualified', amount: 1000 }, { stage: 'lead' }],
      ['crm.deal.updated', { name: 'Deal', stage: 'qualified', amount: 2500 }, { amount: 1000 }],
      ['crm.deal.deleted', { name: 'Deal', stage: 'qualified', amount: 2500 }, undefined],
    ];
    // Published newest first: the state and the history follow occurred_at, not arrival.
    for (let i = steps.length - 1; i >= 0; i--) {
      const [type, data, previous] = steps[i] as (typeof steps)[number];
      const result = await stack.publish(type, 'org_res', 'deal_story', {
        occurred_at: at + i * 1000,
        data,
        ...(previous ? { previous_attributes: previous } : {}),
      });
      ids[i] = result.eventId;
    }
    await stack.settled('org_res', steps.length);
  });

  it('serves the current state, the deleted flag and the last event', async () => {
    const entity = await get<Record<string, unknown>>('/api/v1/entities/crm.deal/deal_story');
    expect(entity.status).toBe(200);
    expect(entity.body).toMatchObject({
      object: 'entity',
      organization_id: 'org_res',
      entity_type: 'crm.deal',
      entity_id: 'deal_story',
      deleted: true,
      version: 4,
      data: { stage: 'qualified', amount: 2500 },
      last_event: { id: ids[3], type: 'crm.deal.deleted' },
    });
  });

  it('serves the history in the entity order with what each event changed, and pages it', async () => {
    const history = await get<HistoryBody>('/api/v1/entities/crm.deal/deal_story/history');
    expect(history.status).toBe(200);
    expect(history.body.data.map((event) => event.id)).toEqual(ids);
    expect(history.body.data[1]?.changes).toEqual([{ attribute: 'stage', previous: 'lead', current: 'qualified' }]);
    expect(history.body.data[2]?.changes).toEqual([{ attribute: 'amount', previous: 1000, current: 2500 }]);
    expect(history.body.data[0]?.changes).toEqual([]);
    const first = await get<HistoryBody>('/api/v1/entities/crm.deal/deal_story/history?limit=2');
    expect(first.body.has_more).toBe(true);
    const second = await get<HistoryBody>(`/api/v1/entities/crm.deal/deal_story/history?limit=2&starting_after=${ids[1]}`);
    expect(second.body.data.map((event) => event.id)).toEqual(ids.slice(2));
    expect(second.body.has_more).toBe(false);
    const back = await get<HistoryBody>(`/api/v1/entities/crm.deal/deal_story/history?limit=2&ending_before=${ids[3]}`);
    expect(back.body.data.map((event) => event.id)).toEqual(ids.slice(1, 3));
    expect(back.body.has_more).toBe(true);
  });

  it('answers unknown entities with 404 and unknown entity types or foreign cursors with 400', async () => {
    const missing = await get('/api/v1/entities/crm.deal/deal_nobody');
    expect(missing.status).toBe(404);
    expect(missing.body).toMatchObject({ error: { code: 'resource_missing', param: 'entity_id' } });
    expect((await get('/api/v1/entities/crm.deal/deal_nobody/history')).status).toBe(404);
    const type = await get('/api/v1/entities/starship/x');
    expect(type.status).toBe(400);
    expect(type.body).toMatchObject({ error: { param: 'entity_type' } });
    const other = await stack.publish('crm.deal.created', 'org_res', 'deal_other');
    await stack.settled('org_res', 5);
    const cursor = await get(`/api/v1/entities/crm.deal/deal_story/history?starting_after=${other.eventId}`);
    expect(cursor.status).toBe(400);
    expect(cursor.body).toMatchObject({ error: { param: 'starting_after' } });
  });
});

describe('event types, docs and operations', () => {
  it('lists the catalogue with entity, description, defaults and the current schema version', async () => {
    const answer = await get<{ has_more: boolean; data: Record<string, unknown>[] }>('/api/v1/event-types');
    expect(answer.status).toBe(200);
    // Every type of the catalogue, on one page.
    expect(answer.body.data.map((type) => type['name'])).toEqual(Object.keys(readCatalogue()));
    expect(answer.body.has_more).toBe(false);
    const paid = answer.body.data.find((type) => type['name'] === 'invoice.paid');
    expect(paid).toMatchObject({
      object: 'event_type',
      entity: 'invoice',
      description: 'An invoice was marked as paid',
      severity: 'info',
      source: 'api',
      schema: { subject: `${ctx.topicPrefix}.invoice-value` },
    });
    expect((paid?.['schema'] as { version: number }).version).toBeGreaterThanOrEqual(1);
    // An entity whose schema this file never registered has no version.
    expect(answer.body.data.find((type) => type['entity'] === 'payout')?.['schema']).toBeNull();
  });

  it('publishes an OpenAPI document made from the route schemas, and a docs page', async () => {
    const spec = await getJson<{ openapi: string; paths: Record<string, Record<string, { parameters?: { name: string }[] }>> }>(
      `${stack.api.url}/openapi.json`,
      undefined,
    );
    expect(spec.status).toBe(200);
    expect(spec.body.openapi).toMatch(/^3\./);
    expect(Object.keys(spec.body.paths)).toEqual(
      expect.arrayContaining([
        '/api/v1/events',
        '/api/v1/events/{id}',
        '/api/v1/events/stream',
        '/api/v1/event-types',
        '/api/v1/entities/{entity_type}/{entity_id}',
        '/api/v1/entities/{entity_type}/{entity_id}/history',
      ]),
    );
    const parameters = (spec.body.paths['/api/v1/events']?.['get']?.parameters ?? []).map((parameter) => parameter.name);
    expect(parameters).toEqual(expect.arrayContaining(['limit', 'starting_after', 'ending_before', 'type', 'q', 'created[gte]']));
    const docs = await fetch(`${stack.api.url}/docs/`, { redirect: 'follow' });
    expect(docs.status).toBe(200);
    expect(await docs.text()).toMatch(/swagger/i);
  });

  it('reports health and request metrics without a key', async () => {
    const health = await getJson(`${stack.api.url}/healthz`, undefined);
    expect(health).toEqual({ status: 200, body: { ok: true, database: 'up' } });
    await get('/api/v1/events?limit=1');
    const metrics = await fetch(`${stack.api.url}/metrics`);
    const text = await metrics.text();
    expect(text).toMatch(/evp_api_request_duration_seconds_count\{method="GET",route="\/api\/v1\/events",status="200"\} \d+/);
    expect(text).toContain('evp_api_stream_clients');
  });
});
