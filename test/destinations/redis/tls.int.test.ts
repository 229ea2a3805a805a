import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedisSender, type RedisRequest } from '../../../destinations/redis/sender.js';
import { createTestLogger } from '../../harness/log-sink.js';
import { freePort } from '../../harness/ports.js';
import { againstImpostor, refusedCertificates, securedKafka, signWithStackCa, untrustedWords } from '../../harness/tls.js';

// A Redis of the test's own with only a TLS port, its certificate signed by the local stack's CA
// (the one the secured Kafka listeners use), for 127.0.0.1 and localhost.
const ca = fs.readFileSync(securedKafka().caFile, 'utf8');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'evp-redis-tls-'));
const stream = `evp-test:redis-tls:${randomBytes(4).toString('hex')}`;
const sender = createRedisSender({ logger: createTestLogger('silent'), allowedHosts: ['127.0.0.1', 'localhost'] });
let server: ChildProcess | undefined;
let port: number;

beforeAll(async () => {
  const certificate = await signWithStackCa(securedKafka().caFile, 'IP:127.0.0.1,DNS:localhost', 30);
  fs.writeFileSync(path.join(dir, 'cert.pem'), certificate.cert);
  fs.writeFileSync(path.join(dir, 'key.pem'), certificate.key, { mode: 0o600 });
  fs.writeFileSync(path.join(dir, 'ca.pem'), ca);
  port = await freePort();
  server = spawn(
    'redis-server',
    ['--port', '0', '--tls-port', String(port), '--bind', '127.0.0.1', '--tls-cert-file', 'cert.pem', '--tls-key-file', 'key.pem'].concat([
      '--tls-ca-cert-file',
      'ca.pem',
      '--tls-auth-clients',
      'no',
      '--save',
      '',
      '--appendonly',
      'no',
      '--dir',
      dir,
    ]),
    { cwd: dir, stdio: ['ignore', 'ignore', 'inherit'] },
  );
  const deadline = Date.now() + 20_000;
  for (;;) {
    const up = await new Promise<boolean>((resolve) => {
      const socket = tls.connect({ host: '127.0.0.1', port, ca }, () => {
        socket.destroy();
        resolve(true);
      });
      socket.on('error', () => resolve(false));
    });
    if (up) break;
    if (Date.now() > deadline) throw new Error(`redis-server did not take TLS connections on ${port} in 20 s`);
    await sleep(100);
  }
});

afterAll(async () => {
  await sender.close();
  server?.kill('SIGKILL');
  fs.rmSync(dir, { recursive: true, force: true });
});

const request = (url: string, overrides: Partial<RedisRequest> = {}): RedisRequest => ({
  destinationId: `dst_${randomBytes(4).toString('hex')}`,
  url,
  timeoutMs: 5_000,
  entries: [{ deliveryId: 'dlv_1', stream, fields: [['id', 'dlv_1']] }],
  ...overrides,
});

describe('redis sender over TLS (rediss://)', () => {
  it('writes to a server whose certificate a CA of the destination signed, and checks the name in the URL', async () => {
    for (const host of ['127.0.0.1', 'localhost']) {
      expect(await sender.send(request(`rediss://${host}:${port}/0`, { caPem: ca }))).toMatchObject({
        result: { kind: 'response', status: 200 },
      });
    }
    const reader = new Redis({ host: '127.0.0.1', port, tls: { ca }, lazyConnect: true });
    try {
      expect(await reader.xlen(stream)).toBe(2);
    } finally {
      reader.disconnect();
    }
  });

  it('names redis.ssl_ca_pem when the server is signed by a CA it does not trust, and never says unreachable', async () => {
    const outcome = await sender.send(request(`rediss://127.0.0.1:${port}/0`));
    expect(outcome.result).toEqual({ kind: 'error', code: 'redis_tls_failed' });
    expect(outcome.error).toMatch(untrustedWords('redis.ssl_ca_pem'));
    expect(outcome.durationMs).toBeLessThan(5_000);
  });

  it.each(refusedCertificates('redis.url'))('refuses %s, naming the TLS failure and what fixes it', async (_name, names, days, words) => {
    const outcome = await againstImpostor(names, days, (port) => sender.send(request(`rediss://127.0.0.1:${port}/0`, { caPem: ca })));
    expect(outcome.result).toEqual({ kind: 'error', code: 'redis_tls_failed' });
    expect(outcome.error).toMatch(words);
  });
});
