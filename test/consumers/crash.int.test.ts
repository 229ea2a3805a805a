import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Publisher } from '../../producers/types.js';
import { spawnEvp } from '../harness/evp-process.js';
import { useTestContext } from '../harness/index.js';
import {
  countEvents,
  duplicateEvents,
  planWorkload,
  prepareEntities,
  publishPlanned,
  readEntities,
  testPublisher,
  waitFor,
} from '../harness/materializer.js';
import { freePort } from '../harness/ports.js';
import { normalise } from '../harness/samples.js';

const ctx = useTestContext('crash');
const entities = ['invoice', 'customer'];
const children: ChildProcess[] = [];
let publisher: Publisher;

beforeAll(async () => {
  await prepareEntities(ctx, entities, 6);
  publisher = testPublisher(ctx);
});

afterAll(async () => {
  for (const child of children) child.kill('SIGKILL');
  await publisher.close();
});

/** `evp materializer` as its own process, its output kept for the test to read. */
function spawnMaterializer(schema: string, env: Record<string, string> = {}, port = 0): { child: ChildProcess; output: () => string } {
  const child = spawnEvp(ctx, 'materializer', {
    port,
    env: { DATABASE_SCHEMA: schema, MATERIALIZER_GROUP: ctx.groupId('crash'), MATERIALIZER_BATCH_SIZE: '300', ...env },
    output: 'pipe',
  });
  children.push(child);
  let output = '';
  const keep = (chunk: Buffer) => (output = (output + chunk.toString()).slice(-20_000));
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  return { child, output: () => output };
}

describe('materializer: crash safety', () => {
  it('killed with SIGKILL at random points seven times and restarted, it ends with every event once and the right state', async () => {
    const { pool, schema } = await ctx.createTestDatabase();
    const total = 40_000;
    const { events, expected } = planWorkload(total, entities, 10, 'org_crash');
    const publishing = publishPlanned(publisher, events, 'org_crash');

    // Seven kills: some while it writes (once it has made progress, a random moment later), some
    // at a random moment after start (start-up, migrations, joining the group, the first batch).
    let kills = 0;
    while (kills < 7) {
      const before = await countEvents(pool).catch(() => 0);
      const { child, output } = spawnMaterializer(schema);
      const exited = once(child, 'exit');
      if (kills % 2 === 0) {
        const progressed = await waitFor(
          () => countEvents(pool).catch(() => before),
          (n) => n > before || child.exitCode !== null,
          90_000,
          `progress after kill ${kills}`,
        );
        if (progressed === total) throw new Error(`all events were written before kill ${kills + 1}; the workload is too small`);
        await sleep(Math.random() * 400);
      } else {
        await sleep(500 + Math.random() * 2500);
      }
      if (child.exitCode !== null) throw new Error(`the materializer exited by itself:\n${output()}`);
      child.kill('SIGKILL');
      await exited;
      kills++;
    }
    await publishing;

    const { child, output } = spawnMaterializer(schema, { LOG_LEVEL: 'info' });
    // Its logs are JSON lines on stderr.
    let consuming = false;
    let tail = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      tail = (tail + chunk.toString()).slice(-200);
      if (tail.includes('"msg":"consuming"')) consuming = true;
    });
    await waitFor(
      () => countEvents(pool),
      (n) => n >= total,
      180_000,
      'all events after the last restart',
    );
    // The last killed process may have written the rest: the graceful stop is asked of one that is
    // up (a SIGTERM before Node has loaded the CLI ends it with the signal, not with exit code 0).
    await waitFor(
      () => Promise.resolve(consuming || child.exitCode !== null),
      (up) => up,
      120_000,
      'the last materializer consuming',
    );
    child.kill('SIGTERM');
    const [code] = (await once(child, 'exit')) as [number | null];
    expect(code, output()).toBe(0);

    expect(await countEvents(pool)).toBe(total);
    expect(await duplicateEvents(pool)).toBe(0);
    const state = await readEntities(pool);
    expect(state.size).toBe(expected.size);
    for (const [key, want] of expected) {
      const got = state.get(key);
      expect(got?.lastEventId, key).toBe(want.lastEventId);
      expect(got?.deleted, key).toBe(want.deleted);
      expect(got?.version, key).toBe(want.version);
      expect(got?.data, key).toEqual(normalise(key.split('/')[1] as string, 'data', want.data));
    }
    // Every partition's stored position is its end: nothing left behind, nothing beyond.
    const { rows } = await pool.query<{ next: string }>('select sum(next_offset)::text as next from consumer_offsets');
    expect(Number(rows[0]?.next)).toBe(total);
  }, 600_000);

  it('restarted under its instance id after a SIGKILL, it takes its partitions back without waiting out the dead member', async () => {
    const { pool, schema } = await ctx.createTestDatabase();
    // Topics of its own: the ones above hold the first test's 40,000 events, which this member would read too.
    const prefix = `${ctx.topicPrefix}.static`;
    await prepareEntities(ctx, entities, 6, prefix);
    const staticPublisher = testPublisher(ctx, prefix);
    // A session far longer than the wait below: a new (dynamic) member would wait for it to run out.
    const env = {
      TOPIC_PREFIX: prefix,
      MATERIALIZER_GROUP: ctx.groupId('static'),
      MATERIALIZER_INSTANCE_ID: `${ctx.id}-materializer`,
      CONSUMER_SESSION_TIMEOUT_MS: '120000',
    };
    const { events } = planWorkload(200, entities, 10, 'org_static');
    await publishPlanned(staticPublisher, events.slice(0, 100), 'org_static');
    const first = spawnMaterializer(schema, env);
    await waitFor(
      () => countEvents(pool).catch(() => 0),
      (n) => n >= 100,
      90_000,
      'the first events',
    );
    first.child.kill('SIGKILL');
    await once(first.child, 'exit');

    await publishPlanned(staticPublisher, events.slice(100), 'org_static');
    await staticPublisher.close();
    const port = await freePort();
    const second = spawnMaterializer(schema, { ...env, LOG_LEVEL: 'info' }, port);
    await waitFor(
      () => countEvents(pool),
      (n) => n >= 200,
      60_000,
      'the rest, from the restarted member',
    );
    // One member: the restarted process took the dead one's place instead of joining beside it.
    const admin = ctx.kafka.admin();
    await admin.connect();
    const { groups } = await admin.describeGroups([env.MATERIALIZER_GROUP]);
    await admin.disconnect();
    expect(groups[0]?.state).toBe('Stable');
    expect(groups[0]?.members.length).toBe(1);
    // The stop below is the graceful one: the process is up (its /healthz answers), not still loading.
    await waitFor(
      () =>
        fetch(`http://127.0.0.1:${port}/healthz`).then(
          (response) => response.status,
          () => 0,
        ),
      (status) => status === 200,
      30_000,
      'the restarted materializer to answer /healthz',
    );
    second.child.kill('SIGTERM');
    const [code, signal] = (await once(second.child, 'exit')) as [number | null, NodeJS.Signals | null];
    expect({ code, signal }, second.output()).toEqual({ code: 0, signal: null });
    expect(await countEvents(pool)).toBe(200);
    expect(await duplicateEvents(pool)).toBe(0);
  }, 240_000);
});
