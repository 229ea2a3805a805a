import type pg from 'pg';
import { beforeAll, describe, expect, it } from 'vitest';
import { migratePool } from '../../../adapters/migrate.js';
import { createEventId } from '../../../core/ids.js';
import { fanOut, type FanOutEvent } from '../../../consumers/streamer/fan-out.js';
import { claimDeliveries } from '../../../store/claim-deliveries.js';
import { catchAllWebhook, insertDestination } from '../../../store/destinations.js';
import { getDelivery } from '../../../store/get-delivery.js';
import { insertTestDelivery } from '../../../store/insert-test-delivery.js';
import { useTestContext } from '../../harness/index.js';
import { createTestLogger } from '../../harness/log-sink.js';

const ctx = useTestContext('fan-out');
const organizationId = 'org_fan_out';
const destinationCount = 4;
let pool: pg.Pool;
let destinations: string[];

beforeAll(async () => {
  const database = await ctx.createTestDatabase();
  pool = database.pool;
  await migratePool(pool, database.schema, createTestLogger('error'));
  destinations = [];
  for (let index = 0; index < destinationCount; index++) {
    const id = `dst_fan_out_${index}`;
    await insertDestination(pool, {
      id,
      organization_id: organizationId,
      type: 'webhook',
      secret: null,
      ...catchAllWebhook(`http://127.0.0.1:9/${index}`, `receiver ${index}`),
    });
    destinations.push(id);
  }
  // Subscriptions match events made after the destination was created.
  await new Promise((resolve) => setTimeout(resolve, 5));
});

function invoiceEvent(entityId: string, data: Record<string, unknown> = {}, id = createEventId()): FanOutEvent {
  const object = {
    id,
    object: 'event',
    organization_id: organizationId,
    type: 'invoice.paid',
    entity_type: 'invoice',
    entity_id: entityId,
    data,
  };
  return {
    id,
    organizationId,
    type: 'invoice.paid',
    severity: 'info',
    entityType: 'invoice',
    entityId,
    payload: JSON.stringify(object),
  };
}

let nextOffset = 0;

/** Fans `events` out as the partition's next records, on a client of its own as the streamer does. */
async function fanOutNext(events: FanOutEvent[]) {
  const client = await pool.connect();
  const offset = nextOffset;
  nextOffset += events.length;
  try {
    return await fanOut(
      client,
      { groupId: 'streamer', topic: 'invoice', partition: 0 },
      events.map((event, index) => ({ offset: String(offset + index), event })),
      () => Promise.resolve(0n),
    );
  } finally {
    client.release();
  }
}

async function payloadRows(eventId: string) {
  const { rows } = await pool.query<{ payload: Record<string, unknown>; test: boolean; used_at: Date }>(
    'select payload, test, used_at from delivery_payloads where organization_id = $1 and event_id = $2',
    [organizationId, eventId],
  );
  return rows;
}

describe('fan-out', () => {
  it('fan-out stores one payload for an event sent to every destination, and claims send it', async () => {
    const first = invoiceEvent('inv_1', { amount: 10 });
    const second = invoiceEvent('inv_2', { amount: 20 });
    const outcome = await fanOutNext([first, second]);
    expect(outcome).toMatchObject({ kind: 'written', deliveries: 2 * destinationCount });

    expect(await payloadRows(first.id)).toEqual([expect.objectContaining({ payload: JSON.parse(first.payload), test: false })]);
    expect(await payloadRows(second.id)).toHaveLength(1);
    const { rows } = await pool.query<{ n: number }>('select count(*)::int as n from deliveries where event_id = $1', [first.id]);
    expect(rows[0]?.n).toBe(destinationCount);

    for (const destinationId of destinations) {
      const claimed = await claimDeliveries(pool, { destinationId, perEntity: false, limit: 10, owner: 'test', leaseMs: 60_000 });
      expect(claimed.map((delivery): unknown[] => [delivery.eventId, JSON.parse(delivery.payload)])).toEqual([
        [first.id, JSON.parse(first.payload)],
        [second.id, JSON.parse(second.payload)],
      ]);
      const shown = await getDelivery(pool, organizationId, claimed[0]!.id);
      expect(shown?.payload).toEqual(JSON.parse(first.payload));
    }
  });

  it('fan-out of an event stored before renews its payload and keeps the first copy', async () => {
    const event = invoiceEvent('inv_3', { amount: 30 });
    await fanOutNext([event]);
    await pool.query(`update delivery_payloads set used_at = now() - interval '100 days' where event_id = $1`, [event.id]);

    // The record published twice: no delivery is recorded again, but the payload is marked used.
    const again = { ...event, payload: JSON.stringify({ ...JSON.parse(event.payload), data: { amount: 31 } }) };
    expect(await fanOutNext([again])).toMatchObject({ kind: 'written', deliveries: 0 });
    const [row] = await payloadRows(event.id);
    expect(row?.payload).toEqual(JSON.parse(event.payload));
    expect(Date.now() - row!.used_at.getTime()).toBeLessThan(60_000);
  });

  it('test sends store the sample as a payload of their own', async () => {
    const sample = JSON.parse(invoiceEvent('sample_invoice').payload) as Record<string, unknown>;
    const row = await insertTestDelivery(pool, { id: 'dlv_test_send', organizationId, destinationId: destinations[0]!, event: sample });
    expect(row.test).toBe(true);
    expect(await payloadRows(sample['id'] as string)).toEqual([expect.objectContaining({ payload: sample, test: true })]);
    expect((await getDelivery(pool, organizationId, 'dlv_test_send'))?.payload).toEqual(sample);
  });
});
