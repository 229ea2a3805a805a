import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { revokeApiKey, createApiKeyRow } from '../../store/api-keys.js';
import { createApiKey } from '../../core/api-keys.js';
import { createEventId } from '../../core/ids.js';
import { getJson, openStream, startTestApi } from '../harness/api.js';
import { useTestContext } from '../harness/index.js';
import { waitFor } from '../harness/materializer.js';
import { startApiStack } from './setup.js';

const ctx = useTestContext('api_stream');
let stack: Awaited<ReturnType<typeof startApiStack>>;

beforeAll(async () => {
  stack = await startApiStack(ctx);
});

afterAll(async () => {
  await stack?.stop();
});

const streamUrl = (query = '') => `${stack.api.url}/api/v1/events/stream${query ? `?${query}` : ''}`;

async function publishMany(organizationId: string, count: number, type = 'invoice.updated'): Promise<string[]> {
  const results = await Promise.all(Array.from({ length: count }, (_, i) => stack.publish(type, organizationId, `ent_${i % 7}`)));
  return results.map((result) => result.eventId);
}

type Stream = Awaited<ReturnType<typeof openStream>>;
const received = (stream: Stream) => stream.events().map((message) => message.id as string);
const untilReceived = (stream: Stream, count: number) =>
  waitFor(
    () => Promise.resolve(received(stream).length),
    (n) => n >= count,
    60_000,
    `${count} events on the stream`,
  );
const connected = (stream: Stream) =>
  waitFor(
    () => Promise.resolve(stream.messages.length),
    (n) => n > 0,
    10_000,
    'the stream to open',
  );

describe('GET /api/v1/events/stream', () => {
  it("is woken by the materializer's commits: events arrive with polling all but off", async () => {
    // A second API over the same schema whose safety-net poll would first run in ten minutes.
    const api = await startTestApi(ctx, stack.schema, { stream: { heartbeatMs: 300, pollMs: 600_000 } });
    try {
      const key = await stack.key('org_wake');
      const stream = await openStream(`${api.url}/api/v1/events/stream`, key);
      await connected(stream);
      const first = await publishMany('org_wake', 5);
      await untilReceived(stream, 5);
      const second = await publishMany('org_wake', 5);
      await untilReceived(stream, 10);
      await stream.close();
      expect(received(stream)).toHaveLength(10);
      expect(new Set(received(stream))).toEqual(new Set([...first, ...second]));
    } finally {
      await api.stop();
    }
  });

  it('resumes with Last-Event-ID after a disconnect: every event once, stored then live, no gap and no repeat', async () => {
    const key = await stack.key('org_stream');
    const first = await openStream(streamUrl(), key);
    expect(first.status).toBe(200);
    expect(first.response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    await connected(first);
    const before = await publishMany('org_stream', 40);
    await untilReceived(first, 40);
    // Heartbeats arrive as comments between events.
    await waitFor(
      () => Promise.resolve(first.messages.filter((message) => message.comment === 'heartbeat').length),
      (n) => n > 0,
      10_000,
      'a heartbeat',
    );
    await first.close();
    const firstIds = received(first);
    expect(new Set(firstIds)).toEqual(new Set(before));
    const event = JSON.parse(first.events()[0]?.data ?? '{}') as Record<string, unknown>;
    expect(event).toMatchObject({ object: 'event', organization_id: 'org_stream', type: 'invoice.updated' });

    const whileAway = await publishMany('org_stream', 40);
    await stack.settled('org_stream', 80);
    // More keep arriving while the client reconnects and catches up.
    const arriving = publishMany('org_stream', 40);
    const second = await openStream(streamUrl(), key, { 'last-event-id': firstIds.at(-1) as string });
    const afterwards = await arriving;
    await untilReceived(second, 80);
    await second.close();
    const secondIds = received(second);
    expect(secondIds.length).toBe(new Set(secondIds).size);
    expect(new Set(secondIds)).toEqual(new Set([...whileAway, ...afterwards]));
  });

  it('applies the list filters to the live tail', async () => {
    const key = await stack.key('org_stream_filter');
    const stream = await openStream(streamUrl('type=invoice.*&severity=info'), key);
    await connected(stream);
    const invoices = await publishMany('org_stream_filter', 10, 'invoice.paid');
    await publishMany('org_stream_filter', 10, 'customer.updated');
    const more = await publishMany('org_stream_filter', 5, 'invoice.sent');
    await stack.settled('org_stream_filter', 25);
    await untilReceived(stream, 15);
    await new Promise((resolve) => setTimeout(resolve, 500)); // anything else would arrive by now
    await stream.close();
    expect(new Set(received(stream))).toEqual(new Set([...invoices, ...more]));
    // The list with the same filters agrees.
    const listed = await getJson<{ data: { id: string }[] }>(`${stack.api.url}/api/v1/events?type=invoice.*&severity=info&limit=100`, key);
    expect(new Set(listed.body.data.map((event) => event.id))).toEqual(new Set(received(stream)));
  });

  it('answers bad stream requests with a JSON 400 before streaming', async () => {
    const key = await stack.key('org_stream_bad');
    const unknown = await getJson(streamUrl(`last_event_id=${createEventId()}`), key);
    expect(unknown.status).toBe(400);
    expect(unknown.body).toMatchObject({ error: { param: 'last_event_id' } });
    const header = await fetch(streamUrl(), { headers: { authorization: `Bearer ${key}`, 'last-event-id': createEventId() } });
    expect(header.status).toBe(400);
    expect(await header.json()).toMatchObject({ error: { param: 'Last-Event-ID' } });
    const filter = await getJson(streamUrl('type=nope.nothing'), key);
    expect(filter.status).toBe(400);
    expect(filter.body).toMatchObject({ error: { param: 'type', code: 'event_type_unknown' } });
  });
});

describe('API keys and tenancy', () => {
  let keyOne: string;
  let keyTwo: string;
  let eventsOne: string[];
  let eventsTwo: string[];

  beforeAll(async () => {
    keyOne = await stack.key('org_one');
    keyTwo = await stack.key('org_two');
  });

  it("never shows one organization's events, entities or stream to another's key", async () => {
    const streamTwo = await openStream(streamUrl(), keyTwo);
    await connected(streamTwo);
    eventsOne = (
      await Promise.all(Array.from({ length: 20 }, (_, i) => stack.publish('customer.updated', 'org_one', `cus_shared_${i % 3}`)))
    ).map((r) => r.eventId);
    eventsTwo = (
      await Promise.all(Array.from({ length: 5 }, (_, i) => stack.publish('customer.updated', 'org_two', `cus_shared_${i % 3}`)))
    ).map((r) => r.eventId);
    await stack.settled('org_one', 20);
    await stack.settled('org_two', 5);
    await untilReceived(streamTwo, 5);
    await new Promise((resolve) => setTimeout(resolve, 500));
    await streamTwo.close();
    expect(new Set(received(streamTwo))).toEqual(new Set(eventsTwo));

    const listTwo = await getJson<{ data: { id: string; organization_id: string }[] }>(`${stack.api.url}/api/v1/events?limit=100`, keyTwo);
    expect(new Set(listTwo.body.data.map((event) => event.id))).toEqual(new Set(eventsTwo));
    // The same entity id exists in both organizations: each key sees its own.
    for (const path of [`/api/v1/events/${eventsOne[0]}`, `/api/v1/events?q=${eventsOne[0]}`]) {
      const answer = await getJson<{ data?: unknown[] }>(`${stack.api.url}${path}`, keyTwo);
      if (path.includes('?')) expect(answer.body.data).toEqual([]);
      else {
        expect(answer.status).toBe(404);
        expect(answer.body).toMatchObject({ error: { code: 'resource_missing' } });
      }
    }
    const entityOne = await getJson<{ organization_id: string; version: number }>(
      `${stack.api.url}/api/v1/entities/customer/cus_shared_0`,
      keyOne,
    );
    const entityTwo = await getJson<{ organization_id: string; version: number }>(
      `${stack.api.url}/api/v1/entities/customer/cus_shared_0`,
      keyTwo,
    );
    expect(entityOne.body.organization_id).toBe('org_one');
    expect(entityTwo.body.organization_id).toBe('org_two');
    const historyTwo = await getJson<{ data: { id: string }[] }>(
      `${stack.api.url}/api/v1/entities/customer/cus_shared_0/history?limit=100`,
      keyTwo,
    );
    expect(historyTwo.body.data.every((event) => eventsTwo.includes(event.id))).toBe(true);
    const onlyOne = await stack.publish('customer.created', 'org_one', 'cus_only_one');
    await stack.settled('org_one', 21);
    expect((await getJson(`${stack.api.url}/api/v1/entities/customer/cus_only_one`, keyTwo)).status).toBe(404);
    expect((await getJson(`${stack.api.url}/api/v1/entities/customer/cus_only_one/history`, keyTwo)).status).toBe(404);
    expect((await getJson(`${stack.api.url}/api/v1/events/${onlyOne.eventId}`, keyOne)).status).toBe(200);
  });

  it('answers a missing, malformed, unknown or revoked key with 401', async () => {
    const url = `${stack.api.url}/api/v1/events`;
    const missing = await getJson(url, undefined);
    expect(missing.status).toBe(401);
    expect(missing.body).toMatchObject({ error: { type: 'authentication_error', code: 'api_key_missing' } });
    for (const header of ['Basic dXNlcjpwYXNz', 'Bearer', 'Bearer not-a-key', `Bearer ${createApiKey().key}`]) {
      const answer = await fetch(url, { headers: { authorization: header } });
      expect(answer.status, header).toBe(401);
      expect(await answer.json()).toMatchObject({ error: { type: 'authentication_error', code: 'api_key_invalid' } });
    }
    // Auth is checked before parameters: a bad key with a bad limit is still a 401.
    expect((await getJson(`${url}?limit=0`, undefined)).status).toBe(401);

    const query = stack.pool;
    const key = createApiKey();
    await createApiKeyRow(query, key, 'org_one', 'to revoke', ['events:read']);
    expect((await getJson(url, key.key)).status).toBe(200);
    await revokeApiKey(query, key.id);
    expect((await getJson(url, key.key)).status).toBe(401);
    // Only the hash is stored.
    const { rows } = await stack.pool.query<{ n: number }>(
      'select count(*)::int as n from api_keys where key_hash = $1 or key_prefix = $2',
      [Buffer.from(key.key), key.key],
    );
    expect(rows[0]?.n).toBe(0);
  });
});
