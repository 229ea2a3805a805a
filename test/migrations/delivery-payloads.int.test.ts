import fs from 'node:fs';
import type pg from 'pg';
import { beforeAll, describe, expect, it } from 'vitest';
import { migrationsDir, runMigrations } from '../../adapters/migrate.js';
import { useTestContext } from '../harness/index.js';

const ctx = useTestContext('migration-payloads');
const migration = '1763942400010_delivery-payloads';
const organizationId = 'org_migration';
let pool: pg.Pool;
let schema: string;

/** Runs `count` migrations in `direction`, as adapters/migrate.ts runs them. */
async function run(direction: 'up' | 'down', count: number): Promise<string[]> {
  const client = await pool.connect();
  try {
    return await runMigrations(client, schema, { direction, count });
  } finally {
    client.release();
  }
}

/** Each delivery's id and payload, the payload read the way the schema in place stores it. */
async function payloadsByDelivery(stored: 'column' | 'table'): Promise<Record<string, unknown>> {
  const { rows } = await pool.query<{ id: string; payload: unknown }>(
    stored === 'column'
      ? 'select id, payload from deliveries order by id'
      : `select d.id, p.payload from deliveries d
           join delivery_payloads p on p.organization_id = d.organization_id and p.event_id = d.event_id and p.test = d.test
          order by d.id`,
  );
  return Object.fromEntries(rows.map((row) => [row.id, row.payload]));
}

beforeAll(async () => {
  ({ pool, schema } = await ctx.createTestDatabase());
  const before = fs
    .readdirSync(migrationsDir)
    .map((file) => file.replace(/\.sql$/, ''))
    .sort()
    .filter((name) => name < migration);
  expect(await run('up', before.length)).toEqual(before);
  for (const index of [1, 2])
    await pool.query(
      `insert into destinations (id, organization_id, type, event_types, settings) values ($1, $2, 'webhook', '{*}', '{}')`,
      [`dst_${index}`, organizationId],
    );
  const deliveries: [id: string, destination: string, event: string, test: boolean, payload: unknown][] = [
    // One event sent to two destinations: the same object twice.
    ['dlv_a1', 'dst_1', 'evt_a', false, { id: 'evt_a', data: { amount: 1 } }],
    ['dlv_a2', 'dst_2', 'evt_a', false, { id: 'evt_a', data: { amount: 1 } }],
    ['dlv_b1', 'dst_1', 'evt_b', false, { id: 'evt_b', data: { amount: 2 } }],
    // A test send of the same event id keeps its own payload.
    ['dlv_b_test', 'dst_2', 'evt_b', true, { id: 'evt_b', sample: true }],
  ];
  for (const [id, destination, event, test, payload] of deliveries)
    await pool.query(
      `insert into deliveries (id, organization_id, destination_id, event_id, event_type, entity_type, entity_id, test, payload)
       values ($1, $2, $3, $4, 'invoice.paid', 'invoice', 'inv_1', $5, $6)`,
      [id, organizationId, destination, event, test, payload],
    );
});

describe('migration 1763942400010_delivery-payloads', () => {
  it('delivery-payloads migration stores one payload per event and gives it back on the way down', async () => {
    const original = await payloadsByDelivery('column');
    expect(Object.keys(original)).toHaveLength(4);

    expect(await run('up', 1)).toEqual([migration]);
    const { rows } = await pool.query<{ n: number }>('select count(*)::int as n from delivery_payloads');
    expect(rows[0]?.n).toBe(3);
    const columns = await pool.query(
      `select 1 from information_schema.columns where table_schema = $1 and table_name = 'deliveries' and column_name = 'payload'`,
      [schema],
    );
    expect(columns.rowCount).toBe(0);
    expect(await payloadsByDelivery('table')).toEqual(original);

    expect(await run('down', 1)).toEqual([migration]);
    expect(await payloadsByDelivery('column')).toEqual(original);
    const table = await pool.query<{ name: string | null }>(`select to_regclass('delivery_payloads')::text as name`);
    expect(table.rows[0]?.name).toBeNull();
  });

  it('delivery-payloads migration keeps the first recorded copy when the copies of an event differ', async () => {
    await pool.query(`update deliveries set payload = '{"id":"evt_a","data":{"amount":9}}' where id = 'dlv_a2'`);
    await run('up', 1);
    const { rows } = await pool.query<{ payload: unknown }>(`select payload from delivery_payloads where event_id = 'evt_a'`);
    expect(rows).toEqual([{ payload: { id: 'evt_a', data: { amount: 1 } } }]);
  });
});
