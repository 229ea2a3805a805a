import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useTestContext } from '../../harness/index.js';
import { waitFor } from '../../harness/materializer.js';
import { startWebhookReceiver, type WebhookReceiver } from '../../harness/webhook-receiver.js';
import { countDeliveries, startStreamerStack } from './setup.js';

const ctx = useTestContext('streamer_alerts');
let stack: Awaited<ReturnType<typeof startStreamerStack>>;
const receivers: WebhookReceiver[] = [];

beforeAll(async () => {
  // The deployment's threshold is out of reach: the destination's own (3 failures) raises the alert.
  stack = await startStreamerStack(ctx, { overrides: { alertAfterFailures: 1_000, alertAfterMs: 600_000, alertSweepMs: 200 } });
});

afterAll(async () => {
  for (const receiver of receivers) await receiver.close();
  await stack?.stop();
});

async function receiver(): Promise<WebhookReceiver> {
  const started = await startWebhookReceiver();
  receivers.push(started);
  return started;
}

interface AlertBody {
  readonly id: string;
  readonly type: string;
  readonly entity_id: string;
  readonly severity: string;
  readonly data: { url: string | null; failure_run: { since: string; failed_attempts: number; last_error: string | null } | null };
}

/** A destination's failure run and alert as the API answers them. */
async function healthOf(destinationId: string) {
  const answer = await stack.call<{ failing_since: string | null; alerts: { after_failures: number | null; raised_at: string | null } }>(
    'GET',
    `/api/v1/destinations/${destinationId}`,
  );
  return answer.body;
}

describe('streamer destination alerts', () => {
  it('a failing destination publishes one destination.failing and, once it delivers again, one destination.recovered, across a streamer restart', async () => {
    const watcher = await receiver();
    const watching = await stack.createDestination({ type: 'webhook', event_types: ['destination.*'], webhook: { url: watcher.url } });
    watcher.secret = watching.secret;
    const flaky = await receiver();
    let down = true;
    flaky.answer = () => (down ? { status: 503, body: 'down for maintenance' } : { status: 204 });
    const destination = await stack.createDestination({
      type: 'webhook',
      event_types: ['invoice.paid'],
      webhook: { url: `${flaky.url}?token=hunter2` },
      alerts: { after_failures: 3 },
    });
    const alertsAt = () => watcher.accepted().map((request) => request.json as AlertBody);
    const alertsReach = (count: number, what: string) =>
      waitFor(
        () => Promise.resolve(alertsAt().length),
        (n) => n >= count,
        60_000,
        what,
      );

    await stack.publish('invoice.paid', 'inv_alert_1');
    await alertsReach(1, 'destination.failing at the watcher');
    const failing = alertsAt()[0];
    expect(failing).toMatchObject({
      type: 'destination.failing',
      entity_id: destination.id,
      severity: 'warn',
      data: { url: `${flaky.url}?token=***`, failure_run: { failed_attempts: 3, last_error: expect.stringMatching(/503/) } },
    });
    expect(watcher.accepted()[0]?.verified).toBe(true);
    const health = await healthOf(destination.id);
    expect(health.alerts).toMatchObject({ after_failures: 3, raised_at: expect.any(String) });
    expect(health.failing_since).toBe(failing?.data.failure_run?.since);

    // A streamer that stopped after publishing and before marking the alert: the next one
    // publishes it again, under the same event id, and the watcher still gets it once.
    await stack.streamer?.stop();
    await stack.pool.query('update destination_alerts set published_at = null where destination_id = $1', [destination.id]);
    await stack.startStreamer();
    await waitFor(
      () => stack.pool.query<{ n: number }>('select count(*)::int as n from destination_alerts where published_at is null'),
      (result) => result.rows[0]?.n === 0,
      60_000,
      'the alert published again',
    );

    // More failed attempts after the restart raise nothing more: the run's alert is raised.
    const failedBefore = flaky.received.length;
    await stack.publish('invoice.paid', 'inv_alert_2');
    await waitFor(
      () => Promise.resolve(flaky.received.length - failedBefore),
      (n) => n >= 3,
      60_000,
      'more failed attempts',
    );

    down = false;
    await stack.publish('invoice.paid', 'inv_alert_3');
    await alertsReach(2, 'destination.recovered at the watcher');
    expect(alertsAt()[1]).toMatchObject({
      type: 'destination.recovered',
      entity_id: destination.id,
      severity: 'info',
      data: { failure_run: { since: failing?.data.failure_run?.since, failed_attempts: 3 } },
    });
    expect(await healthOf(destination.id)).toMatchObject({ failing_since: null, alerts: { raised_at: null } });

    // Exactly two alerts were decided, both published, and each reached the watcher once.
    const decided = await stack.pool.query<{ type: string; published: boolean }>(
      'select type, published_at is not null as published from destination_alerts where destination_id = $1 order by created_at',
      [destination.id],
    );
    expect(decided.rows).toEqual([
      { type: 'destination.failing', published: true },
      { type: 'destination.recovered', published: true },
    ]);
    await stack.settled(watching.id, 2);
    expect(await countDeliveries(stack.pool, watching.id)).toBe(2);
    expect(alertsAt().map((alert) => alert.type)).toEqual(['destination.failing', 'destination.recovered']);
    expect(new Set(alertsAt().map((alert) => alert.id)).size).toBe(2);
  });

  it('a failure run past its after_ms raises destination.failing between attempts, without waiting for the next one', async () => {
    const watcher = await receiver();
    const watching = await stack.createDestination({
      type: 'webhook',
      event_types: ['destination.failing'],
      webhook: { url: watcher.url },
    });
    watcher.secret = watching.secret;
    const down = await receiver();
    down.answer = () => ({ status: 503, body: 'down for the night' });
    // One failed attempt, and the next only in ten minutes: only the sweep can see the second pass.
    const destination = await stack.createDestination({
      type: 'webhook',
      event_types: ['invoice.paid'],
      webhook: { url: down.url },
      retry_schedule_ms: [0, 600_000],
      alerts: { after_failures: 1_000, after_ms: 1_000 },
    });
    await stack.publish('invoice.paid', 'inv_overdue_1');
    await stack.settled(watching.id, 1);
    const alert = watcher.accepted()[0]?.json as AlertBody;
    expect(alert).toMatchObject({
      type: 'destination.failing',
      entity_id: destination.id,
      data: { failure_run: { failed_attempts: 1, last_error: expect.stringMatching(/503/) } },
    });
    expect(down.received).toHaveLength(1);
    const decided = await stack.pool.query<{ n: number }>(
      "select count(*)::int as n from destination_alerts where destination_id = $1 and type = 'destination.failing'",
      [destination.id],
    );
    expect(decided.rows[0]?.n).toBe(1);
  });

  it('a destination disabled for failing too long announces destination.failing first, even below its thresholds', async () => {
    const watcher = await receiver();
    const watching = await stack.createDestination({
      type: 'webhook',
      event_types: ['destination.failing', 'destination.disabled'],
      ordering: 'per_entity',
      webhook: { url: watcher.url },
    });
    watcher.secret = watching.secret;
    const dead = await receiver();
    dead.answer = () => ({ status: 500 });
    const destination = await stack.createDestination({
      type: 'webhook',
      event_types: ['invoice.paid'],
      webhook: { url: dead.url },
      alerts: { after_failures: 1_000 },
    });
    await stack.publish('invoice.paid', 'inv_dead_1');
    await waitFor(
      () => Promise.resolve(dead.received.length),
      (n) => n >= 1,
      60_000,
      'a failed attempt',
    );
    // The run began longer ago than the disable period (5 days): the next failed attempt disables it.
    await stack.pool.query("update destinations set failing_since = now() - interval '6 days' where id = $1", [destination.id]);
    await stack.publish('invoice.paid', 'inv_dead_2');
    await stack.settled(watching.id, 2);
    const types = watcher.accepted().map((request) => (request.json as AlertBody).type);
    expect(types).toEqual(['destination.failing', 'destination.disabled']);
    expect((watcher.accepted()[0]?.json as AlertBody).entity_id).toBe(destination.id);
  });
});
