import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStreamerStack } from '../consumers/streamer/setup.js';
import type { TestContext } from '../harness/index.js';
import { waitFor } from '../harness/materializer.js';
import { spawnStreamerProcess } from '../harness/evp-process.js';

/**
 * The delivery guarantees every destination type keeps, run against the type's real target: each
 * type's `contract.int.test.ts` calls `destinationContract` with how to reach its target and how
 * to read back what it got. The contract checks, through the API and a real streamer:
 * - every subscribed event arrives, and no other, each message carrying its delivery id (the id
 *   the target may deduplicate on); a test send arrives too;
 * - while the target is unreachable, attempts fail with a recorded reason, and the retries
 *   deliver what was missed once it is back; the delivery log shows every attempt;
 * - a replay resends a window, under the same delivery ids;
 * - a streamer killed with SIGKILL mid-run and started again loses nothing, and no delivery is
 *   recorded as a success twice.
 */
export interface ContractTarget {
  /** The type's settings object of a create request, for a target named `name` (unique per test). */
  settings(name: string): Record<string, unknown>;
  /** Every message the target named `name` holds or received so far; a resend is listed again. */
  received(name: string): Promise<readonly ReceivedMessage[]>;
  /** Makes the target unreachable from the streamer (a cut proxy, a stopped server) until `restore`. */
  cut(): Promise<void>;
  restore(): Promise<void>;
  close(): Promise<void>;
}

export interface ReceivedMessage {
  /** The delivery id the message carries (a header, a message id, a field). */
  readonly deliveryId: string;
  /** The id of the event in its body. */
  readonly eventId: string;
}

export interface ContractOptions {
  /** Variables the SIGKILL test's streamer process needs beyond the test defaults (hosts it may reach). */
  readonly streamerEnv?: Record<string, string>;
}

/** Long enough for an outage of a few seconds: a delivery fails for good only after about 20 s. */
const outageSchedule = [0, 300, 600, 1_000, 2_000, 3_000, 3_000, 5_000, 5_000];

export function destinationContract(
  type: string,
  ctx: TestContext,
  open: () => Promise<ContractTarget>,
  options: ContractOptions = {},
): void {
  let stack: Awaited<ReturnType<typeof startStreamerStack>>;
  let target: ContractTarget;
  const children: ChildProcess[] = [];
  const name = (suffix: string) => `${ctx.topicPrefix.replace(/[^A-Za-z0-9]/g, '_')}_${suffix}`;

  beforeAll(async () => {
    stack = await startStreamerStack(ctx, { overrides: { retryScheduleMs: outageSchedule } });
    target = await open();
  });

  afterAll(async () => {
    for (const child of children) child.kill('SIGKILL');
    await stack?.stop();
    await target?.close();
  });

  const create = async (suffix: string, eventTypes: string[]) =>
    stack.createDestination({ type, event_types: eventTypes, [type]: target.settings(name(suffix)) });

  const publishAll = async (count: number, prefix: string, type = 'invoice.updated') => {
    const ids: string[] = [];
    for (let i = 0; i < count; i++) ids.push((await stack.publish(type, `inv_${prefix}_${i % 7}`)).eventId);
    return ids;
  };

  const deliveryIds = async (destinationId: string) => {
    const { rows } = await stack.pool.query<{ id: string; event_id: string }>(
      'select id, event_id from deliveries where destination_id = $1',
      [destinationId],
    );
    return new Map(rows.map((row) => [row.id, row.event_id]));
  };

  /** Waits until the target named `suffix` holds at least `count` messages. */
  const arrived = (suffix: string, count: number) =>
    waitFor(
      () => target.received(name(suffix)),
      (messages) => messages.length >= count,
      90_000,
      `${count} messages at ${type} target ${name(suffix)}`,
    );

  describe(`${type} destination: delivery contract`, () => {
    it('every subscribed event arrives under its delivery id, and no other; a test send arrives', async () => {
      const destination = await create('all', ['invoice.*']);
      const published = await publishAll(12, 'all');
      await stack.publish('customer.updated', 'cus_not_subscribed');
      await stack.settled(destination.id, published.length);
      const messages = await arrived('all', published.length);
      expect(new Set(messages.map((message) => message.eventId))).toEqual(new Set(published));
      const deliveries = await deliveryIds(destination.id);
      expect(deliveries.size).toBe(published.length);
      for (const message of messages) expect(deliveries.get(message.deliveryId)).toBe(message.eventId);

      const test = await stack.call<{ id: string }>('POST', `/api/v1/destinations/${destination.id}/test`, { event_type: 'invoice.paid' });
      expect(test.status).toBe(202);
      const withTest = await arrived('all', published.length + 1);
      expect(withTest.map((message) => message.deliveryId)).toContain(test.body.id);
    });

    it('attempts fail with a recorded reason while the target is out of reach, and the retries deliver what was missed', async () => {
      const destination = await create('outage', ['invoice.*']);
      await target.cut();
      let published: string[];
      try {
        published = await publishAll(6, 'outage');
        await waitFor(
          async () => {
            const { rows } = await stack.pool.query<{ n: number }>(
              `select count(distinct d.id)::int as n from deliveries d join delivery_attempts a on a.delivery_id = d.id
                where d.destination_id = $1 and a.outcome = 'failed' and a.error is not null`,
              [destination.id],
            );
            return rows[0]?.n ?? 0;
          },
          (n) => n >= published.length,
          60_000,
          'a failed attempt of every delivery',
        );
      } finally {
        await target.restore();
      }
      await stack.settled(destination.id, published.length);
      const messages = await arrived('outage', published.length);
      expect(new Set(messages.map((message) => message.eventId))).toEqual(new Set(published));

      const [deliveryId] = (await deliveryIds(destination.id)).keys();
      const log = await stack.call<{ attempts: { outcome: string; error: string | null }[] }>('GET', `/api/v1/deliveries/${deliveryId}`);
      const outcomes = log.body.attempts.map((attempt) => attempt.outcome);
      expect(outcomes.at(-1)).toBe('succeeded');
      expect(outcomes.slice(0, -1).length).toBeGreaterThan(0);
      for (const attempt of log.body.attempts.slice(0, -1)) {
        expect(attempt.outcome).toBe('failed');
        expect(attempt.error).toMatch(/\w/);
      }
    });

    it('a replay resends a window under the same delivery ids', async () => {
      const destination = await create('replay', ['invoice.*']);
      const since = new Date(Date.now() - 1_000).toISOString();
      const published = await publishAll(5, 'replay');
      await stack.settled(destination.id, published.length);
      await arrived('replay', published.length);
      const answer = await stack.call<{ deliveries: number }>('POST', `/api/v1/destinations/${destination.id}/replay`, {
        since,
        status: 'all',
      });
      expect(answer.body.deliveries).toBe(published.length);
      const messages = await arrived('replay', 2 * published.length);
      const seen = new Map<string, number>();
      for (const message of messages) seen.set(message.deliveryId, (seen.get(message.deliveryId) ?? 0) + 1);
      expect([...(await deliveryIds(destination.id)).keys()].map((id) => seen.get(id))).toEqual(published.map(() => 2));
    });

    it('a streamer killed with SIGKILL mid-run and started again loses nothing and records no delivery twice as a success', async () => {
      // The in-process streamer stops: the spawned ones alone deliver to this destination.
      await stack.streamer?.stop();
      const destination = await create('crash', ['invoice.*']);
      const spawn = () => {
        const child = spawnStreamerProcess(ctx, stack.schema, `contract_${type}`, {
          // The killed member's partitions go to the next one sooner.
          CONSUMER_SESSION_TIMEOUT_MS: '6000',
          ...options.streamerEnv,
        });
        children.push(child);
        return child;
      };
      const first = spawn();
      const published = await publishAll(60, 'crash');
      await arrived('crash', 10);
      first.kill('SIGKILL');
      await once(first, 'exit');
      const more = await publishAll(20, 'crash_after');

      const second = spawn();
      await stack.settled(destination.id, published.length + more.length, 'delivered', 120_000);
      second.kill('SIGTERM');
      await once(second, 'exit');

      const messages = await target.received(name('crash'));
      expect(new Set(messages.map((message) => message.eventId))).toEqual(new Set([...published, ...more]));
      const { rows } = await stack.pool.query<{ successes: number; n: number }>(
        `select successes, count(*)::int as n from (
           select d.id, (select count(*)::int from delivery_attempts a where a.delivery_id = d.id and a.outcome = 'succeeded') as successes
             from deliveries d where d.destination_id = $1) s group by successes`,
        [destination.id],
      );
      expect(rows).toEqual([{ successes: 1, n: published.length + more.length }]);
    });
  });
}
