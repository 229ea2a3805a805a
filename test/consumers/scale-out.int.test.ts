import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMaterializer } from '../../consumers/materializer/index.js';
import type { Publisher } from '../../producers/types.js';
import { useTestContext } from '../harness/index.js';
import {
  countEvents,
  duplicateEvents,
  materializerOptions,
  planWorkload,
  prepareEntities,
  publishPlanned,
  readEntities,
  testPublisher,
  waitFor,
} from '../harness/materializer.js';

const ctx = useTestContext('scale_out');
let publisher: Publisher;

beforeAll(async () => {
  await prepareEntities(ctx, ['invoice', 'customer'], 6);
  publisher = testPublisher(ctx);
});

afterAll(async () => {
  await publisher.close();
});

const written = async (port: number): Promise<number> => {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  return [...text.matchAll(/^evp_materializer_events_total\{[^}]*\} (\d+)$/gm)].reduce((sum, match) => sum + Number(match[1]), 0);
};

describe('materializer: scale out', () => {
  it('shares partitions between two instances in one group; stopping one mid-run loses and doubles nothing', async () => {
    const { pool, schema } = await ctx.createTestDatabase();
    const total = 30_000;
    const { events, expected } = planWorkload(total, ['invoice', 'customer'], 10, 'org_scale');
    const options = materializerOptions(ctx, schema, { batchSize: 300, groupId: ctx.groupId('scale') });
    const first = await startMaterializer(options);
    const second = await startMaterializer(options);
    try {
      const publishing = publishPlanned(publisher, events, 'org_scale');
      // Both write: the group split the 12 partitions between them.
      await waitFor(
        async () => [await written(first.port), await written(second.port)],
        ([a, b]) => (a ?? 0) > 0 && (b ?? 0) > 0,
        120_000,
        'both instances to write',
      );
      expect(await countEvents(pool)).toBeLessThan(total);
      await first.stop(); // mid-run: its partitions move to the other one
      await publishing;
      await waitFor(
        () => countEvents(pool),
        (n) => n >= total,
        180_000,
        'every event after the rebalance',
      );
      expect(await written(second.port)).toBeGreaterThan(0);
    } finally {
      await first.stop();
      await second.stop();
    }

    expect(await countEvents(pool)).toBe(total);
    expect(await duplicateEvents(pool)).toBe(0);
    const state = await readEntities(pool);
    for (const [key, want] of expected) {
      expect(state.get(key)?.lastEventId, key).toBe(want.lastEventId);
      expect(state.get(key)?.version, key).toBe(want.version);
    }
  }, 400_000);
});
