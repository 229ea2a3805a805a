import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEventId } from '../../core/ids.js';
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
