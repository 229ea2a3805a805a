import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useTestContext } from '../harness/index.js';
import { startApiStack } from './setup.js';

const ctx = useTestContext('api_destination_filters');
let stack: Awaited<ReturnType<typeof startApiStack>>;
let key: string;

beforeAll(async () => {
  stack = await startApiStack(ctx);
  key = await stack.key('org_dst_filters');
});

afterAll(async () => {
  await stack?.stop();
});

interface Answer {
  readonly status: number;
  readonly body: Record<string, unknown> & { error?: { param?: string; message?: string; code?: string } };
}

async function call(method: string, path: string, body?: unknown): Promise<Answer> {
  const response = await fetch(`${stack.api.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
  return { status: response.status, body: (await response.json()) as Answer['body'] };
}

const create = (filter: unknown, eventTypes = ['invoice.*']) =>
  call('POST', '/api/v1/destinations', { type: 'webhook', event_types: eventTypes, filter, webhook: { url: 'http://127.0.0.1:9/hooks' } });

describe('destination content filters in the API', () => {
  it('stores and answers a filter, null when none, and changes or clears it on update', async () => {
    const filter = { 'data.status': 'paid', $or: [{ 'data.total_amount': { $gte: 1000 } }, { severity: 'critical' }] };
    const created = await create(filter);
    expect(created.status).toBe(201);
    expect(created.body['filter']).toEqual(filter);
    const plain = await create(undefined);
    expect(plain.body['filter']).toBeNull();
    const id = created.body['id'] as string;
    expect((await call('GET', `/api/v1/destinations/${id}`)).body['filter']).toEqual(filter);
    expect((await call('PATCH', `/api/v1/destinations/${id}`, { description: 'kept' })).body['filter']).toEqual(filter);
    expect((await call('PATCH', `/api/v1/destinations/${id}`, { filter: null })).body['filter']).toBeNull();
  });

  it('refuses a filter that can never match a subscribed type, naming the test', async () => {
    const cases: [unknown, string][] = [
      [{ 'data.status': { $gt: true } }, 'filter.data.status.$gt'],
      [{ 'data.total_amount': { $gt: '1000' } }, 'filter.data.total_amount.$gt'],
      [{ 'data.no_such_field': 1 }, 'filter.data.no_such_field'],
      [{ $or: [{ type: 'invoice.paid' }, { 'data.total_amount': { $in: [1, 'two'] } }] }, 'filter.$or.1.data.total_amount.$in'],
      [{ 'data.status': { $regex: '^p' } }, 'filter.data.status.$regex'],
      [{}, 'filter'],
    ];
    for (const [filter, param] of cases) {
      const answer = await create(filter);
      expect(answer.status, JSON.stringify(filter)).toBe(400);
      expect(answer.body.error).toMatchObject({ code: 'parameter_invalid', param });
    }
    const boolean = await create({ 'data.marketing_consent': { $gte: 1 } }, ['customer.created']);
    expect(boolean.body.error?.message).toContain('data.marketing_consent holds boolean');
  });

  it('checks the stored filter again when the subscribed types change', async () => {
    const created = await create({ 'data.total_amount': { $gte: 1000 } });
    const moved = await call('PATCH', `/api/v1/destinations/${created.body['id'] as string}`, { event_types: ['customer.created'] });
    expect(moved.status).toBe(400);
    expect(moved.body.error?.param).toBe('filter.data.total_amount.$gte');
  });

  it('refuses a huge or deeply nested filter with a 400, never a crash', async () => {
    // Written as text: JSON.stringify of so deep an object would itself overflow the stack.
    const depth = 50_000;
    const deep = `{"type":"webhook","event_types":["invoice.*"],"webhook":{"url":"http://127.0.0.1:9/h"},"filter":${'{"$not":'.repeat(depth)}{"type":"x"}${'}'.repeat(depth)}}`;
    const answer = await call('POST', '/api/v1/destinations', deep);
    expect(answer.status).toBe(400);
    expect(answer.body.error?.param).toMatch(/^filter/);
    const wide = Object.fromEntries(Array.from({ length: 5_000 }, (_, i) => [`data.f${i}`, i]));
    const many = await create(wide);
    expect(many.status).toBe(400);
    expect(many.body.error?.message).toContain('at most 100 conditions');
    // The API still answers.
    expect((await call('GET', '/api/v1/destinations')).status).toBe(200);
  });
});
