import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { createRedisSender, type RedisEntry, type RedisRequest } from '../../../destinations/redis/sender.js';
import { createTestLogger } from '../../harness/log-sink.js';
import { brokerSenderChecks } from '../broker-sender-checks.js';
import { freePort } from '../../harness/ports.js';

/** Every key this file writes starts with it, and is deleted after the file. */
const prefix = `evp-test:redis-sender:${randomBytes(4).toString('hex')}:`;
const url = 'redis://127.0.0.1:6379/0';
const reader = new Redis({ host: '127.0.0.1', port: 6379, lazyConnect: true });
const sender = createRedisSender({ logger: createTestLogger('silent'), allowedHosts: ['127.0.0.1'] });

afterAll(async () => {
  await sender.close();
  const keys = await reader.keys(`${prefix}*`);
  if (keys.length > 0) await reader.del(...keys);
  reader.disconnect();
});

const entry = (n: number, stream = `${prefix}events`): RedisEntry => ({
  deliveryId: `dlv_${n}`,
  stream,
  fields: [
    ['id', `dlv_${n}`],
    ['event_id', `evt_${n}`],
    ['type', 'customer.created'],
    ['entity_id', 'cus_1'],
    ['event', JSON.stringify({ id: `evt_${n}`, type: 'customer.created' })],
  ],
});

const request = (overrides: Partial<RedisRequest> = {}): RedisRequest => ({
  destinationId: `dst_${randomBytes(4).toString('hex')}`,
  url,
  timeoutMs: 5_000,
  entries: [entry(1), entry(2), entry(3)],
  ...overrides,
});

describe('redis sender', () => {
  it('redis sender appends each delivery to its stream, in order, and records the entry ids', async () => {
    const outcome = await sender.send(request());

    expect(outcome).toMatchObject({ result: { kind: 'response', status: 200 } });
    const written = await reader.xrange(`${prefix}events`, '-', '+');
    expect(written.map(([, fields]) => fields)).toEqual([entry(1), entry(2), entry(3)].map((e) => e.fields.flat()));
    expect(outcome.responseBody?.split('\n')).toEqual(written.map(([id], n) => `dlv_${n + 1} ${prefix}events ${id}`));
  });

  it('redis sender trims a stream to about max_len entries', async () => {
    const stream = `${prefix}trimmed`;
    const entries = Array.from({ length: 300 }, (_, n) => entry(n, stream));
    expect(await sender.send(request({ entries, maxLen: 10 }))).toMatchObject({ result: { kind: 'response' } });
    // `~` trims whole nodes of the stream only: fewer than written, at least the length asked.
    const length = await reader.xlen(stream);
    expect(length).toBeLessThan(300);
    expect(length).toBeGreaterThanOrEqual(10);
  });

  it('redis sender fails an attempt on a key that is not a stream, naming the key', async () => {
    const key = `${prefix}plain`;
    await reader.set(key, 'not a stream');
    const outcome = await sender.send(request({ entries: [entry(1, `${prefix}ok`), entry(2, key)] }));

    expect(outcome.result).toEqual({ kind: 'error', code: 'redis_wrong_type' });
    expect(outcome.error).toContain(`the key ${key} on Redis at 127.0.0.1:6379 holds a value that is not a stream (WRONGTYPE)`);
    // What was written before the refused entry is in the log; a retry writes it again, with the same id.
    expect(outcome.responseBody).toMatch(new RegExp(`^dlv_1 ${prefix}ok \\d+-\\d+$`));
  });

  it('redis sender fails an attempt whose password the server refuses, without quoting it', async () => {
    const password = `secret-${randomBytes(6).toString('hex')}`;
    // The local server has only its default user, without a password: any other user is refused.
    const outcome = await sender.send(request({ username: 'nobody', password }));
    expect(outcome.result).toEqual({ kind: 'error', code: 'redis_authentication_failed' });
    expect(outcome.error).toBe(
      "Redis at 127.0.0.1:6379 refused the destination's credentials (WRONGPASS); check redis.username and redis.password",
    );
    expect(JSON.stringify(outcome)).not.toContain(password);
  });

  it('redis sender fails an attempt fast when nothing listens on the port', async () => {
    const port = await freePort();
    const outcome = await sender.send(request({ url: `redis://127.0.0.1:${port}` }));
    expect(outcome.result).toEqual({ kind: 'error', code: 'redis_unreachable' });
    expect(outcome.error).toBe(
      `could not reach Redis at 127.0.0.1:${port}, or it did not answer within 5000 ms; check redis.url and that the server is up and reachable from the pipeline`,
    );
  });

  brokerSenderChecks('redis', sender, createRedisSender, request, url);
});
