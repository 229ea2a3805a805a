import { describe, expect, it } from 'vitest';
import { useTestContext } from '../harness/index.js';

const ctx = useTestContext('postgres-smoke');

describe('local postgresql', () => {
  it('answers queries inside the schema of the test file', async () => {
    const { pool, schema } = await ctx.createTestDatabase();
    const { rows } = await pool.query<{ one: number; schema: string }>('select 1 as one, current_schema() as schema');
    expect(rows).toEqual([{ one: 1, schema }]);

    await pool.query('create table probe (id text primary key, payload jsonb not null)');
    await pool.query('insert into probe values ($1, $2)', ['a', { n: 1 }]);
    const stored = await pool.query<{ payload: unknown }>('select payload from probe where id = $1', ['a']);
    expect(stored.rows[0]?.payload).toEqual({ n: 1 });
  });
});
