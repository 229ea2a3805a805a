import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { createAmqpSender, type AmqpRequest } from '../../../destinations/amqp/sender.js';
import { createTestLogger } from '../../harness/log-sink.js';
import { againstImpostor, refusedCertificates, securedKafka, untrustedWords } from '../../harness/tls.js';
import { testMessages } from '../broker-fixtures.js';

// The machine's RabbitMQ has no TLS listener, so these are TLS servers that present a certificate
// signed by the local stack's CA and then say nothing: enough to fail the handshake's checks,
// which happen before a byte of AMQP.
const ca = fs.readFileSync(securedKafka().caFile, 'utf8');
const sender = createAmqpSender({ logger: createTestLogger('silent'), allowedHosts: ['127.0.0.1'] });

afterAll(async () => {
  await sender.close();
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
  it('refuses a server signed by a CA it does not trust, naming the TLS failure and what fixes it', async () => {
    const outcome = await againstImpostor('IP:127.0.0.1', 30, (port) => sender.send(request(port)));
    expect(outcome.result).toEqual({ kind: 'error', code: 'amqp_tls_failed' });
    expect(outcome.error).toMatch(untrustedWords('amqp.ssl_ca_pem'));
    expect(outcome.error).toMatch(/^the TLS handshake with RabbitMQ at 127\.0\.0\.1:\d+ failed /);
    expect(outcome.durationMs).toBeLessThan(5_000);
  });

  it.each(refusedCertificates('amqp.url'))('refuses %s, naming the TLS failure and what fixes it', async (_name, names, days, words) => {
    const outcome = await againstImpostor(names, days, (port) => sender.send(request(port, { ca })));
    expect(outcome.result).toEqual({ kind: 'error', code: 'amqp_tls_failed' });
    expect(outcome.error).toMatch(words);
  });
});
