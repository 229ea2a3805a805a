import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEventId } from '../../core/ids.js';
import type { PublishResult } from '../../producers/types.js';
import { getJson } from '../harness/api.js';
import { useTestContext } from '../harness/index.js';
import { startApiStack } from './setup.js';

const ctx = useTestContext('api_events');
let stack: Awaited<ReturnType<typeof startApiStack>>;
let key: string;

interface EventBody {
  id: string;
  type: string;
  organization_id: string;
  entity_id: string;
  created_at: string;
}
interface ListBody {
  object: string;
  has_more: boolean;
  data: EventBody[];
}

beforeAll(async () => {
  stack = await startApiStack(ctx);
  key = await stack.key('org_page');
});

afterAll(async () => {
  await stack?.stop();
});

const list = (query: string, apiKey = key) => getJson<ListBody>(`${stack.api.url}/api/v1/events?${query}`, apiKey);

describe('GET /api/v1/events', () => {
  it('pages through 1,000 events 20 at a time forward and backward, each exactly once and in order, while more arrive', async () => {
    const original: string[] = [];
    for (let start = 0; start < 1000; start += 250) {
      const results = await Promise.all(
        Array.from({ length: 250 }, (_, i) => stack.publish('invoice.updated', 'org_page', `inv_${(start + i) % 40}`)),
      );
      original.push(...results.map((result) => result.eventId));
    }
    await stack.settled('org_page', 1000);

    // More events keep arriving while the pages are read.
    let publishing = true;
    const arriving = (async () => {
      let n = 0;
      while (publishing) {
        await stack.publish('customer.updated', 'org_page', `cus_live_${n++ % 5}`);
      }
      return n;
    })();

    const forward: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    for (;;) {
      const page = await list(`limit=20${cursor ? `&starting_after=${cursor}` : ''}`);
      expect(page.status, JSON.stringify(page.body)).toBe(200);
      expect(page.body.data.length).toBeLessThanOrEqual(20);
      forward.push(...page.body.data.map((event) => event.id));
      pages++;
      if (!page.body.has_more) break;
      cursor = page.body.data.at(-1)?.id;
    }
    const backward: string[] = [];
    cursor = forward.at(-1);
    for (;;) {
      const page = await list(`limit=20&ending_before=${cursor}`);
      expect(page.status).toBe(200);
      backward.unshift(...page.body.data.map((event) => event.id));
      if (!page.body.has_more) break;
      cursor = page.body.data[0]?.id;
    }
    publishing = false;
    expect(await arriving).toBeGreaterThan(0);

    expect(pages).toBeGreaterThanOrEqual(50);
    for (const ids of [forward, backward]) {
      expect(new Set(ids).size).toBe(ids.length); // nothing twice
      expect([...ids].sort().reverse()).toEqual(ids); // newest first, throughout
    }
    const seenForward = new Set(forward);
    const seenBackward = new Set(backward);
    expect(original.filter((id) => !seenForward.has(id))).toEqual([]);
    // Backward starts after the oldest event, which is its cursor.
    expect(original.filter((id) => !seenBackward.has(id) && id !== forward.at(-1))).toEqual([]);
  });

  it('answers 20 events by default and at most 100, and refuses 0 and 101 naming limit', async () => {
    expect((await list('')).body.data).toHaveLength(20);
    expect((await list('limit=100')).body.data).toHaveLength(100);
    expect((await list('limit=1')).body.data).toHaveLength(1);
    for (const limit of ['0', '101', '-1', 'ten', '2.5']) {
      const answer = await list(`limit=${limit}`);
      expect(answer.status, limit).toBe(400);
      expect(answer.body).toMatchObject({ error: { type: 'invalid_request_error', param: 'limit' } });
    }
  });

  it('retrieves one event by id and answers an unknown one with 404', async () => {
    const [first] = (await list('limit=1')).body.data;
    const one = await getJson<EventBody>(`${stack.api.url}/api/v1/events/${first?.id}`, key);
    expect(one.status).toBe(200);
    expect(one.body).toMatchObject({ id: first?.id, object: 'event', organization_id: 'org_page' });
    const missing = await getJson(`${stack.api.url}/api/v1/events/${createEventId()}`, key);
    expect(missing.status).toBe(404);
    expect(missing.body).toMatchObject({ error: { type: 'invalid_request_error', code: 'resource_missing', param: 'id' } });
  });
});

describe('GET /api/v1/events filters', () => {
  const at = Date.now() - 600_000;
  const ids: string[] = [];
  let filterKey: string;
  // index → what the event is; every identifying field is set, so searches match only what they should.
  const dataset: [string, string, Record<string, unknown>][] = [
    ['invoice.created', 'inv_f1', { number: 'INV-1001', request_id: 'req_a' }],
    ['invoice.paid', 'inv_f1', { number: 'INV-1001', request_id: 'req_a' }],
    ['invoice.created', 'inv_f2', { number: 'INV-2002', request_id: 'req_b', severity: 'warn' }],
    ['customer.created', 'cus_f1', { name: 'Ada Lovelace', email: 'Ada@Example.com' }],
    ['customer.updated', 'cus_f1', { name: 'Ada Lovelace', email: 'Ada@Example.com', previous: { name: 'Ada' } }],
    ['crm.deal.created', 'deal_f1', { name: 'Big Deal' }],
    ['crm.deal.stage_updated', 'deal_f1', { name: 'Big Deal', severity: 'critical', source: 'system' }],
    [
      'sim.activated',
      'sim_f1',
      { iccid: '8988303000000000001', imsi: '901430000000001', msisdn: '4915100000001', severity: 'warn', source: 'network' },
    ],
  ];

  beforeAll(async () => {
    filterKey = await stack.key('org_filter');
    let n = 0;
    for (const [type, entityId, fields] of dataset) {
      const { request_id: requestId, severity, source, previous, ...data } = fields as Record<string, never>;
      const result: PublishResult = await stack.publish(type, 'org_filter', entityId, {
        id: createEventId(at + n++ * 1000),
        occurred_at: at + n * 1000,
        data,
        ...(requestId ? { request_id: requestId } : {}),
        ...(severity ? { severity } : {}),
        ...(source ? { source } : {}),
        ...(previous ? { previous_attributes: previous } : {}),
      });
      ids.push(result.eventId);
    }
    await stack.settled('org_filter', dataset.length);
  });

  /** The indexes of the events a query returns, newest first as the API orders them. */
  const matching = async (query: string): Promise<number[]> => {
    const answer = await list(`limit=100&${query}`, filterKey);
    expect(answer.status, `${query}: ${JSON.stringify(answer.body)}`).toBe(200);
    return answer.body.data.map((event) => ids.indexOf(event.id));
  };
  const iso = (index: number) => new Date(at + index * 1000).toISOString();

  it.each([
    ['type=invoice.created', [2, 0]],
    ['type=invoice.*', [2, 1, 0]],
    ['type=crm.*', [6, 5]],
    ['type=invoice.paid,customer.created', [3, 1]],
    ['type=invoice.paid&type=customer.created', [3, 1]],
    ['entity_type=crm.deal', [6, 5]],
    ['entity_id=inv_f1', [1, 0]],
    ['severity=warn', [7, 2]],
    ['severity=warn,critical', [7, 6, 2]],
    ['source=system', [6]],
    ['source=network,system', [7, 6]],
    ['request_id=req_a', [1, 0]],
    ['q=ada', [4, 3]],
    ['q=LOVELACE', [4, 3]],
    ['q=inv-2002', [2]],
    ['q=8988303', [7]],
    ['q=deal_f', [6, 5]],
    ['q=nothing-like-this', []],
  ])('%s returns exactly the matching events', async (query, expected) => {
    expect(await matching(query)).toEqual(expected);
  });

  it('filters by creation time with created[gte|gt|lte|lt], alone and combined', async () => {
    expect(await matching(`created[gte]=${iso(5)}`)).toEqual([7, 6, 5]);
    expect(await matching(`created[gt]=${iso(5)}`)).toEqual([7, 6]);
    expect(await matching(`created[lte]=${iso(1)}`)).toEqual([1, 0]);
    expect(await matching(`created[lt]=${iso(1)}`)).toEqual([0]);
    expect(await matching(`created[gte]=${iso(2)}&created[lt]=${iso(5)}`)).toEqual([4, 3, 2]);
    // An offset other than Z means the same instant.
    const plusTwo = new Date(at + 2 * 3_600_000 + 5000).toISOString().replace('Z', '+02:00');
    expect(await matching(`created[gte]=${encodeURIComponent(plusTwo)}`)).toEqual([7, 6, 5]);
    // Pasted unencoded, the + arrives as a space: it still means +02:00.
    expect(await matching(`created[gte]=${plusTwo}`)).toEqual([7, 6, 5]);
  });

  it('combines filters as AND, and searches by event id', async () => {
    expect(await matching('type=invoice.*&request_id=req_b')).toEqual([2]);
    expect(await matching('entity_type=customer&q=lovelace')).toEqual([4, 3]);
    expect(await matching('severity=warn&source=network')).toEqual([7]);
    expect(await matching(`type=crm.*&created[gt]=${iso(5)}`)).toEqual([6]);
    expect(await matching('entity_id=inv_f1&type=invoice.paid&severity=info')).toEqual([1]);
    expect(await matching(`q=${ids[5]}`)).toEqual([5]);
    // Filters and cursors together: the page after event 7 among warn events.
    expect(await matching(`severity=warn&starting_after=${ids[7]}`)).toEqual([2]);
  });
});

describe('GET /api/v1/events bad input', () => {
  const bad = async (query: string) => list(query);

  it.each([
    ['limit=0', 'limit'],
    ['limit=101', 'limit'],
    ['limit=0x10', 'limit'],
    ['limit=1e1', 'limit'],
    ['limit=%2016', 'limit'],
    ['limit=10.0', 'limit'],
    ['colour=red', 'colour'],
    ['created[gte]=yesterday', 'created[gte]'],
    ['created[lt]=2026-02-31T00:00:00Z', 'created[lt]'],
    ['created[gt]=1700000000', 'created[gt]'],
    ['starting_after=evt_123', 'starting_after'],
    ['ending_before=inv_1', 'ending_before'],
    ['type=invoice.refunded_twice', 'type'],
    ['type=Invoice.*', 'type'],
    ['entity_type=spaceship', 'entity_type'],
    ['severity=loud', 'severity'],
    ['source=carrier-pigeon', 'source'],
    ['type=', 'type'],
    ['q=', 'q'],
  ])('%s answers 400 naming %s', async (query, param) => {
    const answer = await bad(query);
    expect(answer.status).toBe(400);
    const body = answer.body as unknown as { error: Record<string, unknown> };
    expect(body.error).toMatchObject({ type: 'invalid_request_error', param });
    expect(Object.keys(body.error).sort()).toEqual(['code', 'message', 'param', 'type']);
    expect(String(body.error['message'])).not.toMatch(/select|from events|at .*\.ts|\n/i);
  });

  it('refuses starting_after together with ending_before', async () => {
    const answer = await bad(`starting_after=${createEventId()}&ending_before=${createEventId()}`);
    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({ error: { param: 'ending_before' } });
  });

  it('treats SQL-shaped values as plain values', async () => {
    const { rows } = await stack.pool.query<{ n: number }>('select count(*)::int as n from events');
    for (const query of [
      `q=${encodeURIComponent("' or 1=1 --")}`,
      `entity_id=${encodeURIComponent("x'; drop table events; --")}`,
      `request_id=${encodeURIComponent('1) or (1=1')}`,
      `q=${encodeURIComponent('%')}`,
      `q=${encodeURIComponent("x' union select * from api_keys --")}`,
    ]) {
      const answer = await bad(query);
      expect(answer.status, query).toBe(200);
      expect(answer.body.data, query).toEqual([]);
    }
    const id = await getJson(`${stack.api.url}/api/v1/events/${encodeURIComponent("evt_1' or '1'='1")}`, key);
    expect(id.status).toBe(400);
    expect(id.body).toMatchObject({ error: { param: 'id' } });
    const after = await stack.pool.query<{ n: number }>('select count(*)::int as n from events');
    expect(after.rows[0]?.n).toBeGreaterThanOrEqual(rows[0]?.n ?? 0);
  });

  it('answers an unknown URL with a JSON 404 and never a stack trace', async () => {
    const answer = await getJson(`${stack.api.url}/api/v1/nothing`, key);
    expect(answer.status).toBe(404);
    expect(answer.body).toMatchObject({ error: { type: 'invalid_request_error', code: 'resource_missing' } });
  });
});
