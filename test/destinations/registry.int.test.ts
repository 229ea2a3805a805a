import { describe, expect, it } from 'vitest';
import { migratePool } from '../../adapters/migrate.js';
import { destinationKinds } from '../../destinations/index.js';
import { useTestContext } from '../harness/index.js';
import { createTestLogger } from '../harness/log-sink.js';

const ctx = useTestContext('destination-types');

describe('destination types in the database', () => {
  it('the database accepts exactly the registered destination types', async () => {
    const { pool, schema } = await ctx.createTestDatabase();
    await migratePool(pool, schema, createTestLogger('silent'));
    const { rows } = await pool.query<{ name: string }>('select name from destination_types order by name');
    expect(rows.map((row) => row.name)).toEqual(destinationKinds.map((kind) => kind.name).sort());
    const insert = (type: string) =>
      pool.query(`insert into destinations (id, organization_id, type, event_types, settings) values ($1, 'org_1', $2, '{*}', '{}')`, [
        `dst_${type}`,
        type,
      ]);
    await expect(insert('memory')).rejects.toMatchObject({ code: '23503', constraint: 'destinations_type_fkey' });
    await expect(insert('webhook')).resolves.toBeDefined();
  });
});
