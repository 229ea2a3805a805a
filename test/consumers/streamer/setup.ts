import type pg from 'pg';
import type { ApiOptions } from '../../../api/options.js';
import { startStreamer, type Streamer, type StreamerOptions } from '../../../consumers/streamer/index.js';
import type { EventInput } from '../../../core/build-event.js';
import type { Publisher } from '../../../producers/types.js';
import { createTestKey, startTestApi } from '../../harness/api.js';
import type { TestContext } from '../../harness/index.js';
import { prepareEntities, testPublisher, waitFor } from '../../harness/materializer.js';
import { sampleData } from '../../harness/samples.js';
import { streamerOptions } from '../../harness/streamer.js';

export const streamerEntities = ['invoice', 'customer', 'destination'];

export interface Answer<T> {
  readonly status: number;
  readonly body: T;
}

/**
 * What the streamer tests share per file: the file's topics and schema, the API (destinations
 * are created through it, so its checks apply; it publishes its own events), a key of one
 * organization, a publisher, and a
 * streamer over the schema (`startStreamer: false` leaves it to the test).
 */
export async function startStreamerStack(
  ctx: TestContext,
  options: {
    overrides?: Partial<StreamerOptions>;
    /** The API's options that differ from startTestApi's (the brokers it allows). */
    api?: Partial<ApiOptions>;
    startStreamer?: boolean;
    organizationId?: string;
  } = {},
) {
  const { pool, schema } = await ctx.createTestDatabase();
  await prepareEntities(ctx, streamerEntities, 3);
  const publisher: Publisher = testPublisher(ctx);
  const api = await startTestApi(ctx, schema, {
    publishEvent: (type, event) => publisher.publishUntyped(type, event),
    ...options.api,
  });
  const organizationId = options.organizationId ?? 'org_stream';
  const key = await createTestKey(pool, organizationId);
  const settings = streamerOptions(ctx, schema, publisher, options.overrides);
  let streamer: Streamer | undefined = options.startStreamer === false ? undefined : await startStreamer(settings);

  const call = async <T = Record<string, unknown>>(method: string, path: string, body?: unknown): Promise<Answer<T>> => {
    const response = await fetch(`${api.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: response.status, body: (await response.json()) as T };
  };

  return {
    pool,
    schema,
    publisher,
    api,
    key,
    organizationId,
    settings,
    call,
    get streamer() {
      return streamer;
    },
    async startStreamer(overrides: Partial<StreamerOptions> = {}) {
      streamer = await startStreamer({ ...settings, ...overrides });
      return streamer;
    },
    /** Creates a destination through the API; fails the test on anything but 201. */
    async createDestination(body: Record<string, unknown>): Promise<{ id: string; secret?: string }> {
      const answer = await call<{ id: string; secret?: string }>('POST', '/api/v1/destinations', body);
      if (answer.status !== 201) throw new Error(`creating a destination failed: ${JSON.stringify(answer.body)}`);
      return answer.body;
    },
    async publish(type: string, entityId: string, extra: Partial<EventInput> & { data?: Record<string, unknown> } = {}) {
      const entity = type.slice(0, type.lastIndexOf('.'));
      const { data, ...rest } = extra;
      return publisher.publishUntyped(type, {
        organization_id: organizationId,
        ...rest,
        data: { ...sampleData(entity, entityId), id: entityId, ...data },
      });
    },
    /** Waits until the destination has `count` deliveries in `status`. */
    async settled(destinationId: string, count: number, status = 'delivered', timeoutMs = 120_000) {
      return waitFor(
        () => countDeliveries(pool, destinationId, status),
        (n) => n >= count,
        timeoutMs,
        `${count} ${status} deliveries to ${destinationId}`,
      );
    },
    async stop() {
      await streamer?.stop();
      // The API first: it waits for the events it is still publishing through the publisher.
      await api.stop();
      await publisher.close();
    },
  };
}

export async function countDeliveries(pool: pg.Pool, destinationId: string, status?: string): Promise<number> {
  const { rows } = await pool.query<{ n: number }>(
    `select count(*)::int as n from deliveries where destination_id = $1 ${status === undefined ? '' : 'and status = $2'}`,
    status === undefined ? [destinationId] : [destinationId, status],
  );
  return rows[0]?.n ?? 0;
}
