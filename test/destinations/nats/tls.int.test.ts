import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Endpoint } from '../../../core/endpoint-rules.js';
import { createNatsSender, type NatsRequest } from '../../../destinations/nats/sender.js';
import { parseNatsServers } from '../../../destinations/nats/servers.js';
import { createTestLogger } from '../../harness/log-sink.js';
import { freePort } from '../../harness/ports.js';
import { refusedCertificates, securedKafka, signWithStackCa, untrustedWords } from '../../harness/tls.js';
import { testMessages } from '../broker-fixtures.js';

// NATS servers of the test's own that require TLS, their certificates signed by the local stack's
// CA (the one the secured Kafka listeners use): one for 127.0.0.1, localhost and nats.evp.test, one expired, one
// for another host. NATS greets in plain text before the handshake, so each is a real server.
const caFile = securedKafka().caFile;
const ca = fs.readFileSync(caFile, 'utf8');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'evp-nats-tls-'));
const subject = `t.nats_tls_${randomBytes(4).toString('hex')}`;
const sender = createNatsSender({ logger: createTestLogger('silent'), allowedHosts: ['127.0.0.1', 'localhost'] });
const children: ChildProcess[] = [];
const ports: Record<'good' | 'expired' | 'misnamed', number> = { good: 0, expired: 0, misnamed: 0 };

async function startServer(name: string, names: string, days: number): Promise<number> {
  const certificate = await signWithStackCa(caFile, names, days);
  const home = path.join(dir, name);
  fs.mkdirSync(home);
  fs.writeFileSync(path.join(home, 'cert.pem'), certificate.cert);
  fs.writeFileSync(path.join(home, 'key.pem'), certificate.key, { mode: 0o600 });
  const port = await freePort();
  children.push(
    spawn(
      'nats-server',
      ['-a', '127.0.0.1', '-p', String(port), '-js', '-sd', home, '--tls', '--tlscert', 'cert.pem', '--tlskey', 'key.pem'],
      {
        cwd: home,
        stdio: 'ignore',
      },
    ),
  );
  for (let tries = 0; ; tries++) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, '127.0.0.1', () => {
        socket.destroy();
        resolve(true);
      });
      socket.on('error', () => resolve(false));
    });
    if (open) return port;
    if (tries > 200) throw new Error(`nats-server ${name} did not listen on ${port}`);
    await sleep(50);
  }
}

beforeAll(async () => {
  ports.good = await startServer('good', 'IP:127.0.0.1,DNS:localhost,DNS:nats.evp.test', 30);
  ports.expired = await startServer('expired', 'IP:127.0.0.1', -1);
  ports.misnamed = await startServer('misnamed', 'DNS:elsewhere.example', 30);
  const admin = await connect({ servers: `tls://127.0.0.1:${ports.good}`, tls: { ca } });
  await (await jetstreamManager(admin)).streams.add({ name: 'TLS', subjects: [`${subject}.>`] });
  await admin.close();
});

afterAll(async () => {
  await sender.close();
  for (const child of children) child.kill('SIGKILL');
  fs.rmSync(dir, { recursive: true, force: true });
});

const server = (url: string): Endpoint => {
  const parsed = parseNatsServers([url]);
  if ('problem' in parsed) throw new Error(parsed.problem.message);
  return parsed.endpoints[0] as Endpoint;
};

const request = (url: string, overrides: Partial<NatsRequest> = {}): NatsRequest => ({
  destinationId: `dst_${randomBytes(4).toString('hex')}`,
  servers: [server(url)],
  timeoutMs: 5_000,
  messages: testMessages(`${subject}.invoice.paid`, `dlv_${randomBytes(4).toString('hex')}`),
  ...overrides,
});

const [expired, misnamed] = refusedCertificates('nats.servers');

describe('nats sender over TLS (tls://)', () => {
  it('publishes to servers whose certificate a CA of the destination signed, and checks the name in the URL', async () => {
    for (const host of ['127.0.0.1', 'localhost']) {
      expect(await sender.send(request(`tls://${host}:${ports.good}`, { caPem: ca }))).toMatchObject({
        result: { kind: 'response', status: 200 },
      });
    }
  });

  it('connects to the address it vetted, not to a second lookup of the name, and checks the certificate against the name', async () => {
    // Names only this resolver knows: the client resolving them again could not connect at all,
    // and a name could answer it with another address than the one that was vetted.
    const resolveHost = (host: string) => Promise.resolve(host.endsWith('.evp.test') ? ['127.0.0.1'] : []);
    const named = createNatsSender({ logger: createTestLogger('silent'), allowedHosts: ['nats.evp.test', 'other.evp.test'], resolveHost });
    try {
      expect(await named.send(request(`tls://nats.evp.test:${ports.good}`, { caPem: ca }))).toMatchObject({
        result: { kind: 'response', status: 200 },
      });
      const other = await named.send(request(`tls://other.evp.test:${ports.good}`, { caPem: ca }));
      expect(other.result).toEqual({ kind: 'error', code: 'nats_tls_failed' });
      expect(other.error).toMatch(/other\.evp\.test/);
      expect(other.error).toMatch(misnamed[3]);
    } finally {
      await named.close();
    }
  });

  it('dials every server, each at its own address and name, uses one that connects, and tells the failure that says most', async () => {
    const closed = await freePort();
    const servers = [server(`tls://127.0.0.1:${closed}`), server(`tls://localhost:${ports.good}`)];
    expect(await sender.send(request('tls://127.0.0.1:1', { servers, caPem: ca }))).toMatchObject({
      result: { kind: 'response', status: 200 },
    });
    // The refused certificate is told, wherever it stands in the list.
    for (const order of [servers, [...servers].reverse()]) {
      const untrusted = await sender.send(request('tls://127.0.0.1:1', { servers: order }));
      expect(untrusted.result).toEqual({ kind: 'error', code: 'nats_tls_failed' });
    }
  });

  it.each([
    ['a server signed by a CA it does not trust', 'good', false, untrustedWords('nats.ssl_ca_pem')],
    [expired[0], 'expired', true, expired[3]],
    [misnamed[0], 'misnamed', true, misnamed[3]],
  ] as const)('refuses %s, naming the TLS failure and what fixes it', async (_name, which, trusted, code) => {
    const outcome = await sender.send(request(`tls://127.0.0.1:${ports[which]}`, trusted ? { caPem: ca } : {}));
    expect(outcome.result).toEqual({ kind: 'error', code: 'nats_tls_failed' });
    expect(outcome.error).toMatch(code);
    expect(outcome.error).toMatch(/^the TLS handshake with NATS at 127\.0\.0\.1:\d+ failed /);
  });
});
