import type pg from 'pg';
import { startMaterializer, type Materializer } from '../../consumers/materializer/index.js';
import type { EventInput } from '../../core/build-event.js';
import type { Publisher } from '../../producers/types.js';
import { startTestApi, createTestKey } from '../harness/api.js';
import type { TestContext } from '../harness/index.js';
import { materializerOptions, prepareEntities, testPublisher, waitFor } from '../harness/materializer.js';
import { sampleData } from '../harness/samples.js';

export const apiEntities = ['invoice', 'customer', 'crm.deal', 'sim'];

/**
 * What the API tests share per file: the file's topics and schema, a materializer filling the
 * schema, the API over it, and a publisher. `publish` sends one event through the SDK;
 * `settled` waits until the store holds `count` events of an organization.
 */
export async function startApiStack(ctx: TestContext) {
  const { pool, schema } = await ctx.createTestDatabase();
  await prepareEntities(ctx, apiEntities, 3);
  const publisher: Publisher = testPublisher(ctx);
  const materializer: Materializer = await startMaterializer(materializerOptions(ctx, schema, { lingerMs: 20 }));
  const api = await startTestApi(ctx, schema, { ingest: publisher });
  return {
    pool,
    schema,
    publisher,
    api,
    key: (organizationId: string) => createTestKey(pool, organizationId),
    async publish(
      type: string,
      organizationId: string,
      entityId: string,
      extra: Partial<EventInput> & { data?: Record<string, unknown> } = {},
    ) {
      const entity = type.slice(0, type.lastIndexOf('.'));
      const { data, ...rest } = extra;
      return publisher.publishUntyped(type, {
        organization_id: organizationId,
        ...rest,
        data: { ...sampleData(entity, entityId), id: entityId, ...data },
      });
    },
    async settled(organizationId: string, count: number, timeoutMs = 60_000): Promise<void> {
      await waitFor(
        () => countOf(pool, organizationId),
        (n) => n >= count,
        timeoutMs,
        `${count} events of ${organizationId}`,
      );
    },
    async stop() {
      await api.stop();
      await publisher.close();
      await materializer.stop();
    },
  };
}

async function countOf(pool: pg.Pool, organizationId: string): Promise<number> {
  const { rows } = await pool.query<{ n: number }>('select count(*)::int as n from events where organization_id = $1', [organizationId]);
  return rows[0]?.n ?? 0;
}
