import { readdirSync } from 'node:fs';
import type pg from 'pg';
import { beforeAll, describe, expect, it } from 'vitest';
import { migratePool, runMigrations } from '../../adapters/migrate.js';
import { createEventId } from '../../core/ids.js';
import { listUnpublishedAlerts, markAlertPublished, raiseDestinationAlert } from '../../store/destination-alerts.js';
import { recordDestinationFailure, recordDestinationSuccess } from '../../store/destination-health.js';
import { catchAllWebhook, insertDestination } from '../../store/destinations.js';
import { useTestContext } from '../harness/index.js';
import { createTestLogger } from '../harness/log-sink.js';

const ctx = useTestContext('destination-alerts');
let pool: pg.Pool;
let schema: string;
let destinations = 0;

beforeAll(async () => {
  const database = await ctx.createTestDatabase();
  ({ pool, schema } = database);
  await migratePool(pool, schema, createTestLogger('error'));
});

async function newDestination(): Promise<string> {
  const id = `dst_alerts_${++destinations}`;
  await insertDestination(pool, {
    id,
    organization_id: 'org_alerts',
    type: 'webhook',
    secret: null,
    ...catchAllWebhook('http://127.0.0.1:9/', 'x'),
  });
  return id;
}

async function alertsOf(destinationId: string): Promise<{ type: string; failed_attempts: number }[]> {
  const { rows } = await pool.query<{ type: string; failed_attempts: number }>(
    'select type, failed_attempts from destination_alerts where destination_id = $1 order by created_at, event_id',
    [destinationId],
  );
  return rows;
}

describe('destination alerts in the store', () => {
  it('counts failed attempts in a row from the first after a success, and stops counting once the alert is raised', async () => {
    const id = await newDestination();
    expect(await recordDestinationFailure(pool, id)).toMatchObject({ failedAttempts: 1, alerted: false });
    expect(await recordDestinationFailure(pool, id)).toMatchObject({ failedAttempts: 2, alerted: false });
    expect(await raiseDestinationAlert(pool, id, createEventId(), 'the endpoint answered 500')).toBe(true);
    expect(await recordDestinationFailure(pool, id)).toMatchObject({ failedAttempts: 2, alerted: true });
    expect(await recordDestinationSuccess(pool, id, createEventId())).toBe(true);
    expect(await recordDestinationFailure(pool, id)).toMatchObject({ failedAttempts: 1, alerted: false });
  });

  it('of streamers racing to raise one run’s alert, one wins; of those racing to end it, one writes the recovery', async () => {
    const id = await newDestination();
    await recordDestinationFailure(pool, id);
    const raised = await Promise.all(Array.from({ length: 8 }, () => raiseDestinationAlert(pool, id, createEventId(), null)));
    expect(raised.filter(Boolean)).toHaveLength(1);
    const recovered = await Promise.all(Array.from({ length: 8 }, () => recordDestinationSuccess(pool, id, createEventId())));
    expect(recovered.filter(Boolean)).toHaveLength(1);
    expect(await alertsOf(id)).toEqual([
      { type: 'destination.failing', failed_attempts: 1 },
      { type: 'destination.recovered', failed_attempts: 1 },
    ]);
  });

  it('a success with no alert raised ends the run without a recovery, and a run without failures raises nothing', async () => {
    const id = await newDestination();
    expect(await raiseDestinationAlert(pool, id, createEventId(), null)).toBe(false);
    await recordDestinationFailure(pool, id);
    expect(await recordDestinationSuccess(pool, id, createEventId())).toBe(false);
    expect(await alertsOf(id)).toEqual([]);
    const { rows } = await pool.query('select failing_since, failed_attempts, alerted_at from destinations where id = $1', [id]);
    expect(rows[0]).toEqual({ failing_since: null, failed_attempts: 0, alerted_at: null });
  });

  it('lists alerts not yet published in the order they were decided, with their destination', async () => {
    const id = await newDestination();
    for (const { event_id } of (await pool.query<{ event_id: string }>('select event_id from destination_alerts')).rows)
      await markAlertPublished(pool, event_id);
    await recordDestinationFailure(pool, id);
    await raiseDestinationAlert(pool, id, createEventId(), 'boom');
    await recordDestinationSuccess(pool, id, createEventId());
    const unpublished = await listUnpublishedAlerts(pool, 10);
    expect(unpublished.map(({ alert, destination }) => [alert.type, destination.id, alert.lastError])).toEqual([
      ['destination.failing', id, 'boom'],
      ['destination.recovered', id, null],
    ]);
    await markAlertPublished(pool, unpublished[0]?.alert.eventId ?? '');
    expect((await listUnpublishedAlerts(pool, 10)).map(({ alert }) => alert.type)).toEqual(['destination.recovered']);
  });

  it('its migration goes down and up again', async () => {
    const client = await pool.connect();
    try {
      // Later migrations go down first, and come back with it.
      const alerts = '1763942400013_destination-alerts';
      const names = readdirSync(new URL('../../migrations/', import.meta.url))
        .filter((name) => name.endsWith('.sql'))
        .map((name) => name.replace(/\.sql$/, ''))
        .sort();
      const count = names.length - names.indexOf(alerts);
      expect((await runMigrations(client, schema, { direction: 'down', count })).at(-1)).toBe(alerts);
      const table = async () =>
        (await client.query<{ alerts: string | null }>(`select to_regclass('destination_alerts')::text as alerts`)).rows[0]?.alerts;
      expect(await table()).toBeNull();
      expect((await runMigrations(client, schema, { direction: 'up', count }))[0]).toBe(alerts);
      expect(await table()).toBe('destination_alerts');
    } finally {
      client.release();
    }
    expect(await recordDestinationFailure(pool, await newDestination())).toMatchObject({ failedAttempts: 1, alerted: false });
  });
});
