import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { useTestContext } from '../../harness/index.js';
import { waitFor } from '../../harness/materializer.js';
import { startWebhookReceiver, type WebhookReceiver } from '../../harness/webhook-receiver.js';
import { startStreamerStack } from './setup.js';

const ctx = useTestContext('streamer_filters_shapes');
let stack: Awaited<ReturnType<typeof startStreamerStack>>;
/** Each test's receivers, closed after it. */
const opened = new Set<WebhookReceiver>();

beforeAll(async () => {
  stack = await startStreamerStack(ctx);
});

afterEach(async () => {
  await Promise.all([...opened].map((receiver) => receiver.close()));
  opened.clear();
});

afterAll(() => stack?.stop());

/** A webhook destination of invoice events with these fields, and the receiver it sends to. */
async function receiving(fields: Record<string, unknown>): Promise<{ id: string; receiver: WebhookReceiver }> {
  const receiver = await startWebhookReceiver();
  opened.add(receiver);
  const destination = await stack.createDestination({
    type: 'webhook',
    event_types: ['invoice.*'],
    ...fields,
    webhook: { url: receiver.url },
  });
  receiver.secret = destination.secret;
  return { id: destination.id, receiver };
}

const totalOf = (json: unknown) => (json as { data: { total_amount: number } }).data.total_amount;

describe('streamer content filters', () => {
  it('two destinations with complementary filters together receive every event exactly once', async () => {
    const high = await receiving({ filter: { 'data.total_amount': { $gte: 1000 } } });
    const low = await receiving({ filter: { $not: { 'data.total_amount': { $gte: 1000 } } } });
    const totals = Array.from({ length: 20 }, (_, i) => i * 150);
    const published: string[] = [];
    for (const [i, total] of totals.entries())
      published.push((await stack.publish('invoice.created', `inv_split_${i}`, { data: { total_amount: total } })).eventId);

    const { rows } = await waitFor(
      () =>
        stack.pool.query<{ event_id: string; destination_id: string; status: string }>(
          'select event_id, destination_id, status from deliveries where destination_id = any($1::text[])',
          [[high.id, low.id]],
        ),
      (result) => result.rows.filter((row) => row.status === 'delivered').length >= published.length,
      120_000,
      'every event delivered to one of the two destinations',
    );
    // Exactly one delivery row per event across the two: a filtered-out event gets no row at all.
    expect(rows).toHaveLength(published.length);
    expect(rows.map((row) => row.event_id).sort()).toEqual([...published].sort());
    for (const [i, eventId] of published.entries()) {
      const row = rows.find((candidate) => candidate.event_id === eventId);
      expect(row?.destination_id).toBe((totals[i] as number) >= 1000 ? high.id : low.id);
    }
    expect(
      high.receiver
        .accepted()
        .map((request) => totalOf(request.json))
        .sort((a, b) => a - b),
    ).toEqual(totals.filter((t) => t >= 1000));
    expect(
      low.receiver
        .accepted()
        .map((request) => totalOf(request.json))
        .sort((a, b) => a - b),
    ).toEqual(totals.filter((t) => t < 1000));
    expect([...high.receiver.received, ...low.receiver.received].every((request) => request.verified)).toBe(true);

    // A replay sends again only what the destination's filter lets through now.
    const narrowed = await stack.call('PATCH', `/api/v1/destinations/${low.id}`, { filter: { 'data.total_amount': { $lt: 300 } } });
    expect(narrowed.status).toBe(200);
    expect(narrowed.body['filter']).toEqual({ 'data.total_amount': { $lt: 300 } });
    const since = new Date(Date.now() - 3_600_000).toISOString();
    const replay = await stack.call('POST', `/api/v1/destinations/${low.id}/replay`, { since, status: 'all' });
    expect(replay.status).toBe(202);
    expect(replay.body['deliveries']).toBe(totals.filter((t) => t < 300).length);
    const resent = await waitFor(
      () => Promise.resolve(low.receiver.accepted().length),
      (n) => n >= totals.filter((t) => t < 1000).length + totals.filter((t) => t < 300).length,
      120_000,
      'the replayed deliveries',
    );
    expect(resent).toBe(totals.filter((t) => t < 1000).length + totals.filter((t) => t < 300).length);
  });
});

describe('streamer payload shapes', () => {
  it('sends a CloudEvents body and a projection, each signed as sent, and describes them', async () => {
    const cloud = await receiving({ event_types: ['invoice.paid'], payload: 'cloudevents' });
    const projection = await receiving({ event_types: ['invoice.paid'], payload: { fields: ['id', 'type', 'data.total_amount'] } });
    const { eventId } = await stack.publish('invoice.paid', 'inv_shaped', { data: { total_amount: 4321 } });
    await stack.settled(cloud.id, 1);
    await stack.settled(projection.id, 1);

    const [ce] = cloud.receiver.accepted();
    expect(ce?.verified).toBe(true);
    // A structured-mode CloudEvent says so (the CloudEvents HTTP binding); anything else is JSON.
    expect(ce?.contentType).toBe('application/cloudevents+json');
    expect(ce?.json).toMatchObject({
      specversion: '1.0',
      id: eventId,
      type: 'invoice.paid',
      subject: 'inv_shaped',
      source: `/orgs/${stack.organizationId}/api`,
      datacontenttype: 'application/json',
      orgid: stack.organizationId,
      data: { id: 'inv_shaped', total_amount: 4321 },
    });
    expect((ce?.json as { time: string }).time).toMatch(/^\d{4}-\d{2}-\d{2}T/);

    const [projected] = projection.receiver.accepted();
    expect(projected?.verified).toBe(true);
    expect(projected?.contentType).toBe('application/json');
    expect(projected?.json).toEqual({ id: eventId, type: 'invoice.paid', data: { total_amount: 4321 } });

    // The delivery log keeps the event object; the answer and the schema say what is sent.
    const described = await stack.call<{ payload: unknown; schema: { properties: Record<string, unknown> } }>(
      'GET',
      `/api/v1/destinations/${projection.id}/payload-schema`,
    );
    expect(described.status).toBe(200);
    expect(described.body.payload).toEqual({ fields: ['id', 'type', 'data.total_amount'] });
    expect(Object.keys(described.body.schema.properties)).toEqual(['id', 'type', 'data']);
    const refused = await stack.call<{ error: { param: string } }>('POST', '/api/v1/destinations', {
      type: 'webhook',
      event_types: ['invoice.paid'],
      payload: { fields: ['data.nothing'] },
      webhook: { url: 'http://127.0.0.1:9/x' },
    });
    expect(refused.status).toBe(400);
    expect(refused.body.error.param).toBe('payload.fields.0');
  });
});
