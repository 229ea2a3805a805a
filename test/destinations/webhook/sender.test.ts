import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createNetServer, type AddressInfo, type Socket } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { decodePrefix, createWebhookSender, type WebhookRequest } from '../../../destinations/webhook/sender.js';
import type * as DestinationRules from '../../../core/destination-rules.js';
import { createWebhookSecret } from '../../../core/webhook-signature.js';
import { createLogger } from '../../../adapters/logger.js';
import { makeTestPems } from '../../harness/pem.js';
import { startTlsServer } from '../../harness/tls.js';
import { webhookServer } from '../../../destinations/webhook/server.js';

// Lets a test send headers past the rules, as a row stored before a rule existed would be.
const rules = vi.hoisted(() => ({ bypass: false }));
vi.mock('../../../core/destination-rules.js', async (importOriginal) => {
  const original = await importOriginal<typeof DestinationRules>();
  return { ...original, checkWebhookHeaders: (headers: unknown) => (rules.bypass ? [] : original.checkWebhookHeaders(headers)) };
});

interface Received {
  readonly headers: IncomingMessage['headers'];
  readonly body: string;
  readonly url: string;
}

interface Receiver {
  readonly url: string;
  readonly port: number;
  readonly requests: Received[];
  /** TCP connections accepted. */
  connections: number;
}

const servers: (() => Promise<void>)[] = [];

/** A real HTTP server on 127.0.0.1 that records what it receives, then answers with `respond`. */
async function startReceiver(respond: (res: ServerResponse, received: Received) => void): Promise<Receiver> {
  const receiver: Receiver = { url: '', port: 0, requests: [], connections: 0 };
  const server = createServer((req, res) => {
    res.on('error', () => undefined);
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const received = { headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), url: req.url ?? '' };
      receiver.requests.push(received);
      respond(res, received);
    });
  });
  server.on('connection', (socket) => {
    receiver.connections += 1;
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  servers.push(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });
  return Object.assign(receiver, { url: `http://127.0.0.1:${port}/hooks`, port });
}

const sender = createWebhookSender({ allowedHosts: ['127.0.0.1'] });
const secret = createWebhookSecret();

function webhook(url: string, overrides: Partial<WebhookRequest> = {}): WebhookRequest {
  return {
    destinationId: 'dst_test',
    url,
    headers: {},
    timeoutMs: 5_000,
    connections: 4,
    secrets: [secret],
    id: 'msg_0001',
    body: '{"type":"invoice.paid"}',
    ...overrides,
  };
}

afterEach(async () => {
  vi.useRealTimers();
  rules.bypass = false;
  for (const close of servers.splice(0)) await close();
});

afterAll(async () => {
  await sender.close();
});

describe('webhook sender', () => {
  it('webhook sender posts a body that a Standard Webhooks receiver verifies', async () => {
    const receiver = await startReceiver((res) => res.writeHead(200, { 'content-type': 'text/plain' }).end('ok'));
    const outcome = await sender.send(webhook(receiver.url, { headers: { 'x-team': 'billing' } }));

    expect(outcome).toMatchObject({ result: { kind: 'response', status: 200 }, statusCode: 200, responseBody: 'ok', error: undefined });
    expect(outcome.durationMs).toBeGreaterThanOrEqual(0);
    const [received] = receiver.requests;
    expect(received?.body).toBe('{"type":"invoice.paid"}');
    expect(received?.headers).toMatchObject({
      'content-type': 'application/json',
      'user-agent': 'event-pipeline-webhooks/1',
      'webhook-id': 'msg_0001',
      'x-team': 'billing',
    });
    expect(new Webhook(secret).verify(received?.body ?? '', received?.headers as Record<string, string>)).toEqual({ type: 'invoice.paid' });
  });

  it('webhook sender signs with every live secret, each verifiable on its own', async () => {
    const receiver = await startReceiver((res) => res.writeHead(204).end());
    const next = createWebhookSecret();
    await sender.send(webhook(receiver.url, { secrets: [next, secret] }));

    const received = receiver.requests[0] as Received;
    expect(String(received.headers['webhook-signature']).split(' ')).toHaveLength(2);
    for (const key of [next, secret]) {
      expect(new Webhook(key).verify(received.body, received.headers as Record<string, string>)).toEqual({ type: 'invoice.paid' });
    }
    expect(() => new Webhook(createWebhookSecret()).verify(received.body, received.headers as Record<string, string>)).toThrow();
  });

  it('webhook sender keeps the webhook-id across attempts and stamps each attempt with its own time', async () => {
    const receiver = await startReceiver((res) => res.writeHead(200).end());
    // Only Date is faked: undici's timers and the sockets run for real.
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2030-01-01T00:00:00Z'));
    await sender.send(webhook(receiver.url));
    vi.setSystemTime(new Date('2030-01-01T00:05:00Z'));
    await sender.send(webhook(receiver.url));

    const [first, second] = receiver.requests as [Received, Received];
    expect(first.headers['webhook-id']).toBe('msg_0001');
    expect(second.headers['webhook-id']).toBe('msg_0001');
    expect(first.headers['webhook-timestamp']).toBe(String(Date.parse('2030-01-01T00:00:00Z') / 1000));
    expect(second.headers['webhook-timestamp']).toBe(String(Date.parse('2030-01-01T00:05:00Z') / 1000));
    expect(first.headers['webhook-signature']).not.toBe(second.headers['webhook-signature']);
  });

  it('webhook sender reuses a kept-alive connection for the next attempt to the same origin', async () => {
    const receiver = await startReceiver((res) => res.writeHead(200).end('ok'));
    for (let attempt = 0; attempt < 3; attempt += 1) {
      expect((await sender.send(webhook(receiver.url))).statusCode).toBe(200);
      // undici frees the connection a tick after the body ends; a send in the same tick opens another.
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(receiver.connections).toBe(1);
  });

  it('webhook sender keeps as many connections open to a destination as its concurrency, and no more', async () => {
    let open = 0;
    let most = 0;
    const receiver = await startReceiver((res) => {
      open += 1;
      most = Math.max(most, open);
      setTimeout(() => {
        open -= 1;
        res.writeHead(200).end('ok');
      }, 100);
    });
    const sends = (destinationId: string, connections: number) =>
      Promise.all(Array.from({ length: 12 }, () => sender.send(webhook(receiver.url, { destinationId, connections }))));

    expect((await sends('dst_three', 3)).every((outcome) => outcome.statusCode === 200)).toBe(true);
    expect(receiver.connections).toBe(3);
    expect(most).toBe(3);
    most = 0;
    expect((await sends('dst_twelve', 12)).every((outcome) => outcome.statusCode === 200)).toBe(true);
    expect(receiver.connections).toBe(3 + 12);
    expect(most).toBe(12);
  });

  it.each([
    [500, undefined, 'HTTP 500'],
    [410, undefined, 'HTTP 410'],
    [429, '120', 'HTTP 429'],
    [503, 'Wed, 21 Oct 2037 07:28:00 GMT', 'HTTP 503'],
  ])('webhook sender reports HTTP %i as a response with its Retry-After', async (status, retryAfter, error) => {
    const receiver = await startReceiver((res) =>
      res.writeHead(status, retryAfter === undefined ? {} : { 'retry-after': retryAfter }).end('nope'),
    );
    const outcome = await sender.send(webhook(receiver.url));

    expect(outcome).toMatchObject({ result: { kind: 'response', status, retryAfter }, statusCode: status, responseBody: 'nope', error });
  });

  it('webhook sender does not follow a redirect', async () => {
    const target = await startReceiver((res) => res.writeHead(200).end());
    const receiver = await startReceiver((res) => res.writeHead(301, { location: target.url }).end());
    const outcome = await sender.send(webhook(receiver.url));

    expect(outcome).toMatchObject({ result: { kind: 'response', status: 301 }, statusCode: 301 });
    expect(outcome.error).toContain(`redirects are not followed (301 to ${target.url})`);
    expect(receiver.requests).toHaveLength(1);
    expect(target.requests).toHaveLength(0);
  });

  it('webhook sender makes one request to a redirect loop', async () => {
    const receiver = await startReceiver((res, received) => res.writeHead(302, { location: received.url }).end());
    const outcome = await sender.send(webhook(receiver.url));

    expect(outcome.result).toEqual({ kind: 'response', status: 302, retryAfter: undefined });
    expect(receiver.requests).toHaveLength(1);
  });

  it('webhook sender times out on a server that never answers', async () => {
    const receiver = await startReceiver(() => undefined);
    const outcome = await sender.send(webhook(receiver.url, { timeoutMs: 300 }));

    expect(outcome).toMatchObject({ result: { kind: 'timeout' }, error: 'no response within 300 ms' });
    expect(outcome.statusCode).toBeUndefined();
  });

  it('webhook sender times out on a body that stalls after the headers', async () => {
    const receiver = await startReceiver((res) => {
      res.writeHead(200, { 'content-length': '1000' });
      res.write('partial');
    });
    const outcome = await sender.send(webhook(receiver.url, { timeoutMs: 300 }));

    expect(outcome.result).toEqual({ kind: 'timeout' });
    expect(outcome.statusCode).toBe(200);
    expect(outcome.error).toContain('within 300 ms');
  });

  it('webhook sender stops reading a 10 MB body and keeps its first 2 KB', async () => {
    const receiver = await startReceiver((res) => res.writeHead(200).end(Buffer.alloc(10 * 1024 * 1024, 'a')));
    const outcome = await sender.send(webhook(receiver.url));

    expect(outcome.result).toMatchObject({ kind: 'response', status: 200 });
    expect(Buffer.byteLength(outcome.responseBody ?? '')).toBe(2048);
    // The sender still works after dropping that connection.
    expect((await sender.send(webhook(receiver.url))).statusCode).toBe(200);
  });

  it('webhook sender turns invalid UTF-8 and NUL in a body into replacement characters', async () => {
    const garbage = Buffer.concat([Buffer.from('ok '), Buffer.from([0xff, 0xfe, 0x00, 0xc3, 0x28]), Buffer.alloc(3000, 0xff)]);
    const receiver = await startReceiver((res) => res.writeHead(500).end(garbage));
    const outcome = await sender.send(webhook(receiver.url));

    expect(outcome.statusCode).toBe(500);
    expect(outcome.responseBody?.startsWith('ok \uFFFD\uFFFD\uFFFD\uFFFD(')).toBe(true);
    expect(outcome.responseBody).not.toContain('\0');
    expect(Buffer.byteLength(outcome.responseBody ?? '')).toBeLessThanOrEqual(2048);
  });

  it('webhook sender cuts the kept body on a character boundary', () => {
    const text = `${'a'.repeat(2047)}é`;
    expect(decodePrefix(Buffer.from(text), 2048)).toBe('a'.repeat(2047));
    expect(decodePrefix(Buffer.from('€uro'), 2048)).toBe('€uro');
    expect(decodePrefix(Buffer.alloc(0), 2048)).toBeUndefined();
  });

  it('webhook sender reports a refused connection with its code', async () => {
    const receiver = await startReceiver(() => undefined);
    for (const close of servers.splice(0)) await close();
    const outcome = await sender.send(webhook(receiver.url));

    expect(outcome.result).toEqual({ kind: 'error', code: 'ECONNREFUSED' });
    expect(outcome.error).toContain(`http://127.0.0.1:${receiver.port}: nothing accepts connections there`);
  });

  it("webhook sender says what fixes a receiver's certificate that no CA of the system signed", async () => {
    const server = await startTlsServer(makeTestPems());
    try {
      const outcome = await sender.send(webhook(`https://127.0.0.1:${server.port}/hooks`));
      expect(outcome.result).toEqual({ kind: 'error', code: 'DEPTH_ZERO_SELF_SIGNED_CERT' });
      expect(outcome.error).toContain(
        `https://127.0.0.1:${server.port}: TLS handshake failed: no CA the system trusts signed the receiver's certificate; it needs one from a public CA: `,
      );
    } finally {
      await server.close();
    }
  });

  it('webhook sender reports a server that hangs up without answering', async () => {
    const server = createNetServer((socket) => socket.once('data', () => socket.destroy()));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    servers.push(() => new Promise((resolve) => server.close(() => resolve())));
    const port = (server.address() as AddressInfo).port;
    const outcome = await sender.send(webhook(`http://127.0.0.1:${port}/hooks`));

    expect(outcome.result).toEqual({ kind: 'error', code: 'UND_ERR_SOCKET' });
    expect(outcome.error).toContain('the server closed the connection');
  });

  it('webhook sender refuses an internal address that is not allowed, before connecting', async () => {
    const receiver = await startReceiver((res) => res.writeHead(200).end());
    const strict = createWebhookSender({ allowedHosts: [] });
    try {
      const outcome = await strict.send(webhook(`https://127.0.0.1:${receiver.port}/hooks`));
      expect(outcome.result).toEqual({ kind: 'error', code: 'blocked_address' });
      expect(outcome.error).toContain('127.0.0.1 is an internal address');
      expect(outcome.error).toContain('DESTINATION_ALLOWED_HOSTS');
      expect(receiver.connections).toBe(0);
    } finally {
      await strict.close();
    }
  });

  it('webhook sender refuses a host name that resolves to loopback when connecting', async () => {
    const receiver = await startReceiver((res) => res.writeHead(200).end());
    const strict = createWebhookSender({ allowedHosts: ['127.0.0.1'] });
    try {
      const outcome = await strict.send(webhook(`https://localhost:${receiver.port}/hooks`));
      expect(outcome.result).toEqual({ kind: 'error', code: 'blocked_address' });
      expect(outcome.error).toMatch(/^localhost resolves to an internal address/);
      // The address it resolved to is not told: the delivery log is the destination owner's to read.
      expect(outcome.error).not.toMatch(/127\.0\.0\.1|::1/);
      expect(outcome.error).toContain('DESTINATION_ALLOWED_HOSTS');
      expect(receiver.connections).toBe(0);
    } finally {
      await strict.close();
    }
  });

  it('webhook sender reaches an allowed host name whatever its case', async () => {
    const receiver = await startReceiver((res) => res.writeHead(200).end());
    const lenient = createWebhookSender({ allowedHosts: ['LocalHost'] });
    try {
      const outcome = await lenient.send(webhook(`http://localhost:${receiver.port}/hooks`));
      expect(outcome.result).toMatchObject({ kind: 'response', status: 200 });
    } finally {
      await lenient.close();
    }
  });

  it('webhook sender reports a secret it cannot sign with, without sending', async () => {
    const receiver = await startReceiver((res) => res.writeHead(200).end());
    const outcome = await sender.send(webhook(receiver.url, { secrets: ['not-a-secret'] }));

    expect(outcome.result).toEqual({ kind: 'error', code: 'invalid_secret' });
    expect(receiver.requests).toHaveLength(0);
  });

  it.each(['http://example.com/hooks', 'ftp://127.0.0.1/hooks', 'file:///etc/passwd'])(
    'webhook sender refuses %s as insecure',
    async (url) => {
      const strict = createWebhookSender({ allowedHosts: [] });
      try {
        const outcome = await strict.send(webhook(url));
        expect(outcome.result).toEqual({ kind: 'error', code: 'insecure_url' });
        expect(outcome.error).toMatch(/must be https/);
      } finally {
        await strict.close();
      }
    },
  );

  it.each([
    [{ upgrade: 'websocket' }, '"upgrade" cannot be set'],
    [{ 'x-token': 'abc\r\nx-injected: 1' }, 'contains CR at character 4'],
    [{ 'x-token': 'a\u0000b' }, 'contains NUL'],
  ])('webhook sender refuses headers %j as invalid_header without connecting', async (headers, reason) => {
    const receiver = await startReceiver((res) => res.writeHead(200).end());
    const outcome = await sender.send(webhook(receiver.url, { headers }));

    expect(outcome.result).toEqual({ kind: 'error', code: 'invalid_header' });
    expect(outcome.error).toContain(reason);
    expect(outcome.error).not.toContain('injected');
    expect(receiver.connections).toBe(0);
  });

  it('webhook sender keeps a destination whose headers undici refuses from stalling another destination on the same origin', async () => {
    rules.bypass = true;
    const onStalled = vi.fn();
    const isolated = createWebhookSender({ allowedHosts: ['127.0.0.1'], stallMarginMs: 200, onStalled });
    const receiver = await startReceiver((res) => res.writeHead(200).end('ok'));
    try {
      // Each refusal leaves one of the destination's 16 connections busy for good; the 17th attempt waits for one.
      const hostile = webhook(receiver.url, {
        destinationId: 'dst_hostile',
        connections: 16,
        headers: { upgrade: 'websocket' },
        timeoutMs: 300,
      });
      const refused = [];
      for (let attempt = 0; attempt < 16; attempt++) refused.push(await isolated.send(hostile));
      expect(refused.every((outcome) => outcome.result.kind === 'error')).toBe(true);
      const healthy = isolated.send(webhook(receiver.url, { destinationId: 'dst_healthy', timeoutMs: 300 }));
      const stalled = await isolated.send(hostile);

      expect((await healthy).result).toMatchObject({ kind: 'response', status: 200 });
      expect(stalled.result).toEqual({ kind: 'timeout' });
      expect(stalled.error).toContain('abandoned');
      expect(stalled.durationMs).toBeLessThan(2_000);
      expect(onStalled).toHaveBeenCalledWith('dst_hostile');
      expect(isolated.health()).toMatchObject({ state: 'degraded', stalledAttempts: 1 });
      // Its pool was destroyed: the next attempt fails at once again instead of waiting.
      expect((await isolated.send(hostile)).result.kind).toBe('error');
      expect(receiver.requests.map((request) => request.url)).toEqual(['/hooks']);
    } finally {
      await isolated.close();
    }
  });

  it('webhook sender closes promptly while an attempt waits for a connection that never frees', async () => {
    rules.bypass = true;
    const isolated = createWebhookSender({ allowedHosts: ['127.0.0.1'], closeDeadlineMs: 200 });
    const receiver = await startReceiver((res) => res.writeHead(200).end());
    const hostile = webhook(receiver.url, {
      destinationId: 'dst_hostile',
      connections: 16,
      headers: { upgrade: 'websocket' },
      timeoutMs: 30_000,
    });
    for (let attempt = 0; attempt < 16; attempt++) await isolated.send(hostile);
    const waiting = isolated.send(hostile);
    await new Promise((resolve) => setTimeout(resolve, 50));

    const started = Date.now();
    await isolated.close();
    expect(Date.now() - started).toBeLessThan(2_000);
    expect((await waiting).result.kind).toBe('error');
  });

  it('webhook sender ends an attempt whose TLS handshake never answers at its timeout', async () => {
    const sockets = new Set<Socket>();
    const tarpit = createNetServer((socket) => sockets.add(socket.on('error', () => undefined)));
    await new Promise<void>((resolve) => tarpit.listen(0, '127.0.0.1', resolve));
    servers.push(async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => tarpit.close(resolve));
    });
    const onStalled = vi.fn();
    const guarded = createWebhookSender({ allowedHosts: ['127.0.0.1'], onStalled });
    try {
      const port = (tarpit.address() as AddressInfo).port;
      const outcome = await guarded.send(webhook(`https://127.0.0.1:${port}/hooks`, { timeoutMs: 300 }));

      expect(outcome.result.kind).toBe('timeout');
      // undici checks connect timeouts on a coarse timer: about a second late at most, well inside the stall margin.
      expect(outcome.durationMs).toBeLessThan(2_000);
      expect(onStalled).not.toHaveBeenCalled();
      expect(guarded.health()).toMatchObject({ state: 'ok', stalledAttempts: 0 });
    } finally {
      await guarded.close();
    }
  });
});

describe('webhook media types', () => {
  it('posts a CloudEvents payload as application/cloudevents+json, a batch of them as a CloudEvents batch, and the rest as JSON', async () => {
    const receiver = await startReceiver((res) => res.writeHead(204).end());
    const started = webhookServer.start({
      logger: createLogger('silent'),
      allowedHosts: ['127.0.0.1'],
      ownBrokers: [],
      allowedBrokers: [],
      topicPrefix: 'evp',
      fileRoot: undefined,
    });
    const delivery = (id: string, contentType?: string) => ({
      id,
      eventId: `evt_${id}`,
      eventType: 'invoice.paid',
      entityId: 'inv_1',
      payload: '{"specversion":"1.0"}',
      ...(contentType === undefined ? {} : { contentType }),
    });
    const unit = { destinationId: 'dst_media', organizationId: 'org_1', secrets: [secret] };
    const defaults = { timeoutMs: 5_000, concurrency: 2 };
    const single = started.plan({ url: receiver.url }, defaults);
    const batched = started.plan({ url: receiver.url, batch: { max_events: 10, max_wait_ms: 100 } }, defaults);
    try {
      await single.send({ ...unit, deliveries: [delivery('dlv_1', 'application/cloudevents+json')], batchId: null });
      await batched.send({
        ...unit,
        deliveries: [delivery('dlv_2', 'application/cloudevents+json'), delivery('dlv_3', 'application/cloudevents+json')],
        batchId: 'bat_1',
      });
      await single.send({ ...unit, deliveries: [delivery('dlv_4')], batchId: null });
      await batched.send({ ...unit, deliveries: [delivery('dlv_5'), delivery('dlv_6')], batchId: 'bat_2' });
    } finally {
      await started.close();
    }
    expect(receiver.requests.map((request) => [request.headers['webhook-id'], request.headers['content-type']])).toEqual([
      ['dlv_1', 'application/cloudevents+json'],
      ['bat_1', 'application/cloudevents-batch+json'],
      ['dlv_4', 'application/json'],
      ['bat_2', 'application/json'],
    ]);
  });
});
