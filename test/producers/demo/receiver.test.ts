import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../../adapters/logger.js';
import { createWebhookSecret, signatureHeader } from '../../../core/webhook-signature.js';
import { startDemoReceiver, type DemoReceiver, type DemoReceiverOptions } from '../../../producers/demo/index.js';

const secret = createWebhookSecret();
const receivers: DemoReceiver[] = [];

afterEach(async () => {
  for (const receiver of receivers.splice(0)) await receiver.close();
});

async function receiver(overrides: Partial<DemoReceiverOptions> = {}): Promise<DemoReceiver> {
  const started = await startDemoReceiver({
    port: 0,
    logger: createLogger('silent'),
    secrets: (organization) => Promise.resolve(organization === 'org_acme' ? [secret] : []),
    retryShare: 0,
    seed: 1,
    ...overrides,
  });
  receivers.push(started);
  return started;
}

function deliver(url: string, id: string, body: string, secrets = [secret], timestamp = Math.floor(Date.now() / 1000)) {
  return fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'webhook-id': id,
      'webhook-timestamp': String(timestamp),
      'webhook-signature': signatureHeader(secrets, id, timestamp, body),
    },
    body,
  });
}

const event = JSON.stringify({ id: 'evt_1', object: 'event', type: 'invoice.paid', organization_id: 'org_acme', data: { id: 'inv_1' } });

describe('demo receiver', () => {
  it('verifies a signed delivery and answers 200', async () => {
    const demo = await receiver();
    expect(demo.url).toBe(`http://127.0.0.1:${demo.port}/webhooks`);
    const response = await deliver(demo.url, 'dlv_1', event);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ received: true, verified: true });
    expect(demo.stats()).toMatchObject({ received: 1, verified: 1, unverified: 0 });
  });

  it('flags a delivery signed with another secret, a stale timestamp or for an unknown organization', async () => {
    const demo = await receiver();
    expect(await (await deliver(demo.url, 'dlv_2', event, [createWebhookSecret()])).json()).toMatchObject({ verified: false });
    expect(await (await deliver(demo.url, 'dlv_3', event, [secret], Math.floor(Date.now() / 1000) - 3_600)).json()).toMatchObject({
      verified: false,
    });
    const other = event.replace('org_acme', 'org_other');
    expect(await (await deliver(demo.url, 'dlv_4', other)).json()).toMatchObject({ verified: false });
    expect(demo.stats()).toMatchObject({ received: 3, verified: 0, unverified: 3 });
  });

  it('re-reads the secrets once when none matches (a rotated secret)', async () => {
    const rotated = createWebhookSecret();
    const reads: boolean[] = [];
    const demo = await receiver({
      secrets: (_organization, refresh) => {
        reads.push(refresh);
        return Promise.resolve(refresh ? [rotated, secret] : [secret]);
      },
    });
    expect(await (await deliver(demo.url, 'dlv_5', event, [rotated, secret])).json()).toMatchObject({ verified: true });
    expect(await (await deliver(demo.url, 'dlv_6', event, [rotated])).json()).toMatchObject({ verified: true });
    expect(reads).toEqual([false, false, true]);
  });

  it('answers 503 with Retry-After to a first attempt when asked to show retries, and 200 to the retry', async () => {
    const demo = await receiver({ retryShare: 1 });
    const first = await deliver(demo.url, 'dlv_7', event);
    expect(first.status).toBe(503);
    expect(first.headers.get('retry-after')).toBe('2');
    const retry = await deliver(demo.url, 'dlv_7', event);
    expect(retry.status).toBe(200);
    expect(demo.stats()).toMatchObject({ received: 2, refused: 1, retries: 1 });
  });

  it('refuses about the configured share of first attempts, the same ones for the same seed', async () => {
    const refusedIds = async (seed: number) => {
      const demo = await receiver({ retryShare: 0.05, seed });
      const refused: number[] = [];
      for (let index = 0; index < 400; index++) {
        if ((await deliver(demo.url, `dlv_s${index}`, event)).status === 503) refused.push(index);
      }
      return refused;
    };
    const refused = await refusedIds(42);
    expect(refused.length).toBeGreaterThan(5);
    expect(refused.length).toBeLessThan(45);
    expect(await refusedIds(42)).toEqual(refused);
    // 800 signed requests: seconds, not milliseconds, on a busy machine.
  }, 60_000);

  it('answers 404 off /webhooks and 405 to other methods', async () => {
    const demo = await receiver();
    expect((await fetch(`http://127.0.0.1:${demo.port}/other`, { method: 'POST' })).status).toBe(404);
    const get = await fetch(demo.url);
    expect(get.status).toBe(405);
    expect(get.headers.get('allow')).toBe('POST');
  });
});
