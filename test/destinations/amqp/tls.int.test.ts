import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { createAmqpSender, type AmqpRequest } from '../../../destinations/amqp/sender.js';
import { createTestLogger } from '../../harness/log-sink.js';
import { securedKafka, signWithStackCa, startTlsServer } from '../../harness/tls.js';
import { testMessages } from '../broker-fixtures.js';

// The machine's RabbitMQ has no TLS listener, so these are TLS servers that present a certificate
// signed by the local stack's CA and then say nothing: enough to fail the handshake's checks,
// which happen before a byte of AMQP.
const caFile = securedKafka().caFile;
const ca = fs.readFileSync(caFile, 'utf8');
const sender = createAmqpSender({ logger: createTestLogger('silent'), allowedHosts: ['127.0.0.1'] });
const closers: (() => Promise<void>)[] = [];

afterAll(async () => {
  await sender.close();
  for (const close of closers) await close();
});

const request = (port: number, overrides: Partial<AmqpRequest> = {}): AmqpRequest => ({
  destinationId: `dst_${randomBytes(4).toString('hex')}`,
  url: `amqps://127.0.0.1:${port}/`,
  username: 'guest',
  password: 'guest',
  exchange: 'events',
  timeoutMs: 5_000,
  messages: testMessages('invoice.paid', 'dlv_1'),
  ...overrides,
});

describe('amqp sender over TLS (amqps://)', () => {
  it.each([
    [
      'a server signed by a CA it does not trust',
      'IP:127.0.0.1',
      30,
      false,
      /SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT_LOCALLY/,
    ],
    ['an expired certificate', 'IP:127.0.0.1', -1, true, /CERT_HAS_EXPIRED/],
    ['a certificate for another host', 'DNS:elsewhere.example', 30, true, /ERR_TLS_CERT_ALTNAME_INVALID/],
  ] as const)('refuses %s, naming the TLS failure and amqp.ssl_ca_pem', async (_name, names, days, trusted, code) => {
    const impostor = await startTlsServer(await signWithStackCa(caFile, names, days));
    closers.push(() => impostor.close());
    const outcome = await sender.send(request(impostor.port, trusted ? { ca } : {}));
    expect(outcome.result).toEqual({ kind: 'error', code: 'amqp_tls_failed' });
    expect(outcome.error).toMatch(code);
    expect(outcome.error).toMatch(/check amqp\.ssl_ca_pem/);
    expect(outcome.durationMs).toBeLessThan(5_000);
  });
});
