import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Endpoint } from '../../../core/endpoint-rules.js';
import { parseNatsServers } from '../../../destinations/nats/servers.js';
import { createNatsSender, type NatsRequest } from '../../../destinations/nats/sender.js';
import { createTestLogger } from '../../harness/log-sink.js';
import { freePort } from '../../harness/ports.js';
import { testMessages } from '../broker-fixtures.js';
import { startTcpProxy, type TcpProxy } from '../../harness/tcp-proxy.js';

/** The machine's NATS with JetStream; this file's stream and subjects carry its own name. */
const id = `nats_sender_${randomBytes(4).toString('hex')}`;
const subjectPrefix = `t.${id}`;
const stream = `T_${id.toUpperCase()}`;
const logger = createTestLogger('silent');
const sender = createNatsSender({ logger, allowedHosts: ['127.0.0.1'] });
let admin: NatsConnection;
let jsm: JetStreamManager;
let proxy: TcpProxy;

const server = (url: string): Endpoint => {
  const parsed = parseNatsServers([url]);
  if ('problem' in parsed) throw new Error(parsed.problem.message);
  return parsed.endpoints[0] as Endpoint;
};

const messages = (...ids: string[]) => testMessages(`${subjectPrefix}.invoice.paid`, ...ids);

const request = (overrides: Partial<NatsRequest> = {}): NatsRequest => ({
  destinationId: `dst_${randomBytes(4).toString('hex')}`,
  servers: [server('nats://127.0.0.1:4222')],
  timeoutMs: 5_000,
  messages: messages('dlv_1', 'dlv_2', 'dlv_3'),
  ...overrides,
});

/** The messages the stream holds, from the first, as delivery id, body and headers. */
async function stored(): Promise<
  { msgId: string | undefined; body: string; ceType: string | undefined; contentType: string | undefined }[]
> {
  const info = await jsm.streams.info(stream);
  const out = [];
  for (let seq = info.state.first_seq; seq <= info.state.last_seq && info.state.messages > 0; seq++) {
    const message = await jsm.streams.getMessage(stream, { seq });
    if (message === null) continue;
    out.push({
      msgId: message.header.get('Nats-Msg-Id') || undefined,
      body: message.string(),
      ceType: message.header.get('ce_type') || undefined,
      contentType: message.header.get('content-type') || undefined,
    });
  }
  return out;
}

beforeAll(async () => {
  admin = await connect({ servers: 'nats://127.0.0.1:4222' });
  jsm = await jetstreamManager(admin);
  await jsm.streams.add({ name: stream, subjects: [`${subjectPrefix}.>`], duplicate_window: 120_000_000_000 });
  proxy = await startTcpProxy({ host: '127.0.0.1', port: 4222 });
});

afterAll(async () => {
  await sender.close();
  await jsm.streams.delete(stream).catch(() => undefined);
  await admin.close();
  await proxy.close();
});

describe('nats sender', () => {
  it('nats sender publishes to the stream with the delivery id as Nats-Msg-Id and CloudEvents headers, in order, and a resend is dropped as a duplicate', async () => {
    const first = await sender.send(request());
    expect(first).toMatchObject({ result: { kind: 'response', status: 200 } });
    expect(first.error).toBeUndefined();
    // A retried attempt sends the same ids again: the stream's duplicate window drops them.
    expect((await sender.send(request())).result.kind).toBe('response');

    const held = await stored();
    expect(held.map((message) => message.msgId)).toEqual(['dlv_1', 'dlv_2', 'dlv_3']);
    expect(held[0]).toEqual({
      msgId: 'dlv_1',
      body: '{"id":"evt_0","type":"invoice.paid"}',
      ceType: 'invoice.paid',
      contentType: 'application/json',
    });
  });

  it('nats sender keeps one connection per destination', async () => {
    const destinationId = 'dst_reused';
    const before = sender.openConnections();
    for (let i = 0; i < 3; i++) expect((await sender.send(request({ destinationId }))).result.kind).toBe('response');
    expect(sender.openConnections()).toBe(before + 1);
    sender.release(destinationId);
    expect(sender.openConnections()).toBe(before);
  });

  it('nats sender fails an attempt to a subject no stream listens on, saying so', async () => {
    const subject = `t.${id}_nostream.invoice.paid`;
    const outcome = await sender.send(request({ messages: messages('dlv_9').map((message) => ({ ...message, address: subject })) }));

    expect(outcome.result).toEqual({ kind: 'error', code: 'nats_no_stream' });
    expect(outcome.error).toBe(
      `no stream listens on subject ${subject} at NATS at 127.0.0.1:4222 (503 no responders); add the subject to a stream, or fix nats.subject`,
    );
  });

  it('nats sender refuses a subject a field made invalid, before sending', async () => {
    const outcome = await sender.send(request({ messages: messages('dlv_8').map((message) => ({ ...message, address: 'a.b c' })) }));

    expect(outcome.result).toEqual({ kind: 'error', code: 'invalid_subject' });
    expect(outcome.error).toContain('contains whitespace');
  });

  it('nats sender reports a port nothing listens on as unreachable', async () => {
    const outcome = await sender.send(request({ servers: [server('nats://127.0.0.1:1')], timeoutMs: 2_000 }));

    expect(outcome.result).toEqual({ kind: 'error', code: 'nats_unreachable' });
    expect(outcome.error).toContain('could not reach NATS at 127.0.0.1:1');
  });

  it('nats sender refuses an internal host the operator did not allow, before connecting', async () => {
    const strict = createNatsSender({ logger, allowedHosts: [] });
    try {
      const outcome = await strict.send(request());
      expect(outcome.result).toEqual({ kind: 'error', code: 'destination_refused' });
      expect(outcome.error).toContain('127.0.0.1 is an internal address');
      expect(strict.openConnections()).toBe(0);
    } finally {
      await strict.close();
    }
  });

  it('nats sender connects to the address it vetted, and refuses a name that resolves to an internal one', async () => {
    // A .test name never resolves: the attempt succeeds only if the client is given the vetted address.
    const resolveHost = (host: string) => Promise.resolve(host.endsWith('.evp.test') ? ['127.0.0.1'] : []);
    const named = createNatsSender({ logger, allowedHosts: ['nats.evp.test'], resolveHost });
    try {
      const outcome = await named.send(request({ servers: [server('nats://nats.evp.test:4222')] }));
      expect(outcome.result).toEqual({ kind: 'response', status: 200 });
      const refused = await named.send(request({ servers: [server('nats://other.evp.test:4222')] }));
      expect(refused.result).toEqual({ kind: 'error', code: 'destination_refused' });
      expect(refused.error).toContain('other.evp.test resolves to an internal address');
      expect(refused.error).not.toContain('127.0.0.1');
    } finally {
      await named.close();
    }
  });

  it('nats sender reports refused credentials without the password', async () => {
    // A server of this file's own that requires a user: the machine's NATS has none.
    const port = await freePort();
    const guarded: ChildProcess = spawn(
      '/usr/sbin/nats-server',
      ['-a', '127.0.0.1', '-p', String(port), '--user', 'evp', '--pass', 'right'],
      {
        stdio: 'ignore',
      },
    );
    try {
      const endpoint = server(`nats://127.0.0.1:${port}`);
      await expect
        .poll(async () => (await sender.send(request({ servers: [endpoint], user: 'evp', password: 'wrong-secret-42' }))).result, {
          timeout: 10_000,
        })
        .toEqual({ kind: 'error', code: 'nats_authentication_failed' });
      const outcome = await sender.send(request({ servers: [endpoint], user: 'evp', password: 'wrong-secret-42' }));
      expect(outcome.error).toContain(`NATS at 127.0.0.1:${port} refused the login`);
      expect(outcome.error).not.toContain('wrong-secret-42');
    } finally {
      guarded.kill();
    }
  });

  it('nats sender fails while the server is cut off and delivers again once it is back', async () => {
    const through = request({ destinationId: 'dst_proxied', servers: [server(`nats://127.0.0.1:${proxy.port}`)], timeoutMs: 3_000 });
    const cutMessages = messages('dlv_p1', 'dlv_p2');
    expect((await sender.send({ ...through, messages: cutMessages.slice(0, 1) })).result.kind).toBe('response');
    await proxy.stop();
    const cut = await sender.send({ ...through, messages: cutMessages.slice(1) });
    expect(cut.result).toEqual({ kind: 'error', code: 'nats_unreachable' });
    await proxy.start();
    expect((await sender.send({ ...through, messages: cutMessages.slice(1) })).result.kind).toBe('response');
    expect((await stored()).map((message) => message.msgId)).toEqual(expect.arrayContaining(['dlv_p1', 'dlv_p2']));
  });
});
