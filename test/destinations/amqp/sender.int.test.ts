import { randomBytes } from 'node:crypto';
import { connect, type Channel, type ChannelModel, type ConsumeMessage } from 'amqplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAmqpSender, type AmqpRequest } from '../../../destinations/amqp/sender.js';
import { createTestLogger } from '../../harness/log-sink.js';
import { testMessages } from '../broker-fixtures.js';
import { startTcpProxy, type TcpProxy } from '../../harness/tcp-proxy.js';

/** The machine's RabbitMQ (guest/guest); this file's exchanges and queues carry its own prefix. */
const rabbitUrl = 'amqp://guest:guest@127.0.0.1:5672';
const prefix = `t.amqp_sender_${randomBytes(4).toString('hex')}`;
const logger = createTestLogger('silent');
const sender = createAmqpSender({ logger, allowedHosts: ['127.0.0.1'] });
let admin: ChannelModel;
let channel: Channel;
let proxy: TcpProxy;

const messages = (...ids: string[]) => testMessages('invoice.paid', ...ids);

const request = (overrides: Partial<AmqpRequest> = {}): AmqpRequest => ({
  destinationId: `dst_${randomBytes(4).toString('hex')}`,
  url: 'amqp://127.0.0.1:5672/',
  username: 'guest',
  password: 'guest',
  exchange: `${prefix}.events`,
  timeoutMs: 5_000,
  messages: messages('dlv_1', 'dlv_2', 'dlv_3'),
  ...overrides,
});

/** A queue of this file bound to `exchange` for every routing key, and a reader of what it received. */
async function boundQueue(exchange: string): Promise<{ received: ConsumeMessage[] }> {
  const { queue } = await channel.assertQueue(`${prefix}.${randomBytes(3).toString('hex')}`, { exclusive: true });
  await channel.bindQueue(queue, exchange, '#');
  const received: ConsumeMessage[] = [];
  await channel.consume(queue, (message) => {
    if (message !== null) received.push(message);
  });
  return { received };
}

beforeAll(async () => {
  admin = await connect(rabbitUrl);
  channel = await admin.createChannel();
  await channel.assertExchange(`${prefix}.events`, 'topic', { durable: false, autoDelete: false });
  await channel.assertExchange(`${prefix}.unbound`, 'topic', { durable: false, autoDelete: false });
  proxy = await startTcpProxy({ host: '127.0.0.1', port: 5672 });
});

afterAll(async () => {
  await sender.close();
  for (const name of ['events', 'unbound', 'late']) await channel.deleteExchange(`${prefix}.${name}`).catch(() => undefined);
  await admin.close();
  await proxy.close();
});

describe('amqp sender', () => {
  it('amqp sender publishes persistent messages with the delivery id, JSON type and CloudEvents headers, confirmed, in order', async () => {
    const queue = await boundQueue(`${prefix}.events`);
    const outcome = await sender.send(request());

    expect(outcome).toMatchObject({ result: { kind: 'response', status: 200 } });
    expect(outcome.error).toBeUndefined();
    await expect.poll(() => queue.received.length).toBe(3);
    expect(queue.received.map((message) => message.properties.messageId as unknown)).toEqual(['dlv_1', 'dlv_2', 'dlv_3']);
    const [first] = queue.received;
    expect(first?.properties).toMatchObject({ contentType: 'application/json', deliveryMode: 2 });
    expect(first?.properties.headers).toMatchObject({ ce_id: 'evt_0', ce_type: 'invoice.paid', 'evp-delivery-id': 'dlv_1' });
    expect(first?.fields.routingKey).toBe('invoice.paid');
    expect(JSON.parse(first?.content.toString() ?? '')).toEqual({ id: 'evt_0', type: 'invoice.paid' });
  });

  it('amqp sender keeps one connection per destination', async () => {
    const destinationId = 'dst_reused';
    const before = sender.openConnections();
    for (let i = 0; i < 3; i++) expect((await sender.send(request({ destinationId }))).result.kind).toBe('response');
    expect(sender.openConnections()).toBe(before + 1);
    sender.release(destinationId);
    expect(sender.openConnections()).toBe(before);
  });

  it('amqp sender fails an attempt whose message no queue receives, saying so', async () => {
    const outcome = await sender.send(request({ exchange: `${prefix}.unbound` }));

    expect(outcome.result).toEqual({ kind: 'error', code: 'amqp_unroutable' });
    expect(outcome.error).toContain('312 NO_ROUTE');
    expect(outcome.error).toContain(`no queue is bound to exchange "${prefix}.unbound" for routing key "invoice.paid"`);
  });

  it("amqp sender reports a missing exchange in the broker's words, then connects again once it exists", async () => {
    const destinationId = 'dst_late_exchange';
    const exchange = `${prefix}.late`;
    const missing = await sender.send(request({ destinationId, exchange }));

    expect(missing.result).toEqual({ kind: 'error', code: 'amqp_closed_by_broker' });
    expect(missing.error).toContain(`NOT_FOUND - no exchange '${exchange}' in vhost '/'`);
    await channel.assertExchange(exchange, 'topic', { durable: false });
    const queue = await boundQueue(exchange);
    expect((await sender.send(request({ destinationId, exchange }))).result.kind).toBe('response');
    await expect.poll(() => queue.received.length).toBe(3);
  });

  it('amqp sender reports refused credentials without the password', async () => {
    const outcome = await sender.send(request({ password: 'not-the-password-42' }));

    expect(outcome.result).toEqual({ kind: 'error', code: 'amqp_authentication_failed' });
    expect(outcome.error).toBe(
      'RabbitMQ at 127.0.0.1:5672 refused the login of user guest (ACCESS_REFUSED); check amqp.username and amqp.password',
    );
  });

  it('amqp sender reports a port nothing listens on as unreachable, within the timeout', async () => {
    const outcome = await sender.send(request({ url: 'amqp://127.0.0.1:1/', timeoutMs: 2_000 }));

    expect(outcome.result).toEqual({ kind: 'error', code: 'amqp_unreachable' });
    expect(outcome.error).toContain('could not reach RabbitMQ at 127.0.0.1:1');
  });

  it('amqp sender refuses an internal host the operator did not allow, before connecting', async () => {
    const strict = createAmqpSender({ logger, allowedHosts: [] });
    try {
      for (const url of ['amqp://127.0.0.1:5672/', 'amqp://localhost:5672/']) {
        const outcome = await strict.send(request({ url: url }));
        expect(outcome.result).toEqual({ kind: 'error', code: 'destination_refused' });
        expect(outcome.error).toContain('an internal address');
      }
      expect(strict.openConnections()).toBe(0);
    } finally {
      await strict.close();
    }
  });

  it('amqp sender connects to the address it vetted, and refuses a name that resolves to an internal one', async () => {
    // A .test name never resolves: the attempt succeeds only if the client is given the vetted address.
    const resolveHost = (host: string) => Promise.resolve(host.endsWith('.evp.test') ? ['127.0.0.1'] : []);
    const named = createAmqpSender({ logger, allowedHosts: ['rabbit.evp.test'], resolveHost });
    try {
      const queue = await boundQueue(`${prefix}.events`);
      const outcome = await named.send(request({ url: 'amqp://rabbit.evp.test:5672/' }));
      expect(outcome.result).toEqual({ kind: 'response', status: 200 });
      await expect.poll(() => queue.received.length).toBe(3);
      const refused = await named.send(request({ url: 'amqp://other.evp.test:5672/' }));
      expect(refused.result).toEqual({ kind: 'error', code: 'destination_refused' });
      expect(refused.error).toContain('other.evp.test resolves to an internal address');
      expect(refused.error).not.toContain('127.0.0.1');
    } finally {
      await named.close();
    }
  });

  it('amqp sender fails while the broker is cut off and delivers again once it is back', async () => {
    const queue = await boundQueue(`${prefix}.events`);
    const through = request({ destinationId: 'dst_proxied', url: `amqp://127.0.0.1:${proxy.port}/`, timeoutMs: 3_000 });
    expect((await sender.send(through)).result.kind).toBe('response');
    await proxy.stop();
    const cut = await sender.send(through);
    expect(cut.result).toMatchObject({ kind: 'error' });
    expect(cut.error).toMatch(/RabbitMQ/);
    await proxy.start();
    expect((await sender.send(through)).result.kind).toBe('response');
    await expect.poll(() => queue.received.length).toBe(6);
  });
});
