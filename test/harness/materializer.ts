import { setTimeout as sleep } from 'node:timers/promises';
import type pg from 'pg';
import { loadPublisherConfig } from '../../adapters/config.js';
import { createRegistryClient } from '../../adapters/registry.js';
import { startMaterializer, type Materializer, type MaterializerOptions } from '../../consumers/materializer/index.js';
import { createEventId } from '../../core/ids.js';
import { ensureTopics } from '../../producers/ensure-topics.js';
import { createPublisher } from '../../producers/publisher.js';
import type { Publisher } from '../../producers/types.js';
import { readEventSchemas } from '../../schemas/event-schemas.js';
import { registerSchemas } from '../../schemas/governance.js';
import type { TestContext } from './index.js';
import { createTestLogger } from './log-sink.js';
import { sampleData } from './samples.js';

/**
 * Creates the topics of `entities` under `prefix` and registers their schemas. A prefix below the
 * file's (`<topicPrefix>.<name>`) keeps one test's topics apart from another's; both are deleted
 * after the file.
 */
export async function prepareEntities(
  ctx: TestContext,
  entities: readonly string[],
  partitions: number,
  prefix = ctx.topicPrefix,
): Promise<void> {
  const admin = ctx.kafka.admin();
  await admin.connect();
  await ensureTopics(admin, prefix, entities, { partitions, retentionMs: 3_600_000, deadLetterRetentionMs: 3_600_000 });
  await admin.disconnect();
  const schemas = new Map([...readEventSchemas()].filter(([entity]) => entities.includes(entity)));
  await registerSchemas({
    registry: createRegistryClient({ url: ctx.endpoints.schemaRegistryUrl }),
    topicPrefix: prefix,
    schemas,
  });
}

export function testPublisher(ctx: TestContext, prefix = ctx.topicPrefix): Publisher {
  return createPublisher(loadPublisherConfig({ ...ctx.env, TOPIC_PREFIX: prefix }), { service: 'test', logger: createTestLogger('warn') });
}

/** The options `evp materializer` would build from this file's environment, writing to `schema`. */
export function materializerOptions(ctx: TestContext, schema: string, overrides: Partial<MaterializerOptions> = {}): MaterializerOptions {
  return {
    kafkaBrokers: ctx.endpoints.kafkaBrokers,
    schemaRegistryUrl: ctx.endpoints.schemaRegistryUrl,
    databaseUrl: ctx.endpoints.databaseUrl,
    databaseSchema: schema,
    topicPrefix: ctx.topicPrefix,
    groupId: ctx.groupId('materializer'),
    logger: createTestLogger((process.env['TEST_MATERIALIZER_LOG'] as 'warn' | undefined) ?? 'error', { service: 'materializer' }),
    port: 0,
    batchSize: 2000,
    lingerMs: 50,
    concurrency: 3,
    retentionDays: 90,
    ...overrides,
  };
}

export async function withMaterializer<T>(options: MaterializerOptions, work: (materializer: Materializer) => Promise<T>): Promise<T> {
  const materializer = await startMaterializer(options);
  try {
    return await work(materializer);
  } finally {
    await materializer.stop();
  }
}

/** Polls `probe` until it returns a value `done` accepts; fails with the last value after `timeoutMs`. */
export async function waitFor<T>(
  probe: () => Promise<T>,
  done: (value: T) => boolean,
  timeoutMs = 120_000,
  what = 'condition',
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last value ${JSON.stringify(value)}`);
    await sleep(250);
  }
}

export async function countEvents(pool: pg.Pool): Promise<number> {
  const { rows } = await pool.query<{ n: number }>('select count(*)::int as n from events');
  return rows[0]?.n ?? 0;
}

/** Rows whose event id appears more than once (a partitioned primary key makes this impossible; checked anyway). */
export async function duplicateEvents(pool: pg.Pool): Promise<number> {
  const { rows } = await pool.query<{ n: number }>(
    'select count(*)::int as n from (select id from events group by id having count(*) > 1) d',
  );
  return rows[0]?.n ?? 0;
}

export interface PlannedEvent {
  readonly type: string;
  readonly entity: string;
  readonly id: string;
  readonly entityId: string;
  readonly occurredAt: number;
  readonly data: Record<string, unknown>;
}

/**
 * A workload: `count` events over `entities`, `perEntity` events per entity id, each entity's
 * events one second apart (created first, then updates, some ending deleted). Also returns the
 * state each entity must end in.
 */
export function planWorkload(
  count: number,
  entities: readonly string[],
  perEntity = 10,
  org = 'org_test',
): {
  events: PlannedEvent[];
  expected: Map<string, { data: Record<string, unknown>; deleted: boolean; lastEventId: string; version: number }>;
} {
  const events: PlannedEvent[] = [];
  const expected = new Map<string, { data: Record<string, unknown>; deleted: boolean; lastEventId: string; version: number }>();
  const start = Date.now() - 3_600_000;
  for (let index = 0; index < count; index++) {
    const entityIndex = Math.floor(index / perEntity);
    const step = index % perEntity;
    const entity = entities[entityIndex % entities.length] as string;
    const entityId = `${entity.replace('.', '_')}_${entityIndex}`;
    const last = step === perEntity - 1 || index === count - 1;
    const action = step === 0 ? 'created' : last && entityIndex % 3 === 0 ? 'deleted' : 'updated';
    const occurredAt = start + entityIndex + step * 1000;
    const data = { ...sampleData(entity, entityId), id: entityId };
    const id = createEventId(occurredAt);
    events.push({ type: `${entity}.${action}`, entity, id, entityId, occurredAt, data });
    const key = `${org}/${entity}/${entityId}`;
    expected.set(key, { data, deleted: action === 'deleted', lastEventId: id, version: step + 1 });
  }
  return { events, expected };
}

/** Publishes planned events (in order, in batches) through the SDK. */
export async function publishPlanned(publisher: Publisher, events: readonly PlannedEvent[], org = 'org_test'): Promise<void> {
  for (let start = 0; start < events.length; start += 1000) {
    await Promise.all(
      events.slice(start, start + 1000).map((event) =>
        publisher.publishUntyped(event.type, {
          id: event.id,
          organization_id: org,
          occurred_at: event.occurredAt,
          data: event.data,
        }),
      ),
    );
  }
}

/** Every entity row as `org/entity/id` → state. */
export async function readEntities(pool: pg.Pool) {
  const { rows } = await pool.query<{
    key: string;
    data: Record<string, unknown>;
    deleted: boolean;
    last_event_id: string;
    version: string;
  }>(`select organization_id || '/' || entity_type || '/' || entity_id as key, data, deleted, last_event_id, version::text from entities`);
  return new Map(
    rows.map((row) => [row.key, { data: row.data, deleted: row.deleted, lastEventId: row.last_event_id, version: Number(row.version) }]),
  );
}
