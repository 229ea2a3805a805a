import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMqttSender, type MqttRequest } from '../../../destinations/mqtt/sender.js';
import { createTestLogger } from '../../harness/log-sink.js';
import { againstImpostor, refusedCertificates, securedKafka, signWithStackCa, untrustedWords } from '../../harness/tls.js';
import { startPrivateBroker, type PrivateBroker } from './private-broker.js';

// A Mosquitto of the test's own with a TLS-only listener, its certificate signed by the local
// stack's CA (the one the secured Kafka listeners use), for 127.0.0.1 and localhost.
const caFile = securedKafka().caFile;
const ca = fs.readFileSync(caFile, 'utf8');
const sender = createMqttSender({ logger: createTestLogger('silent'), allowedHosts: ['127.0.0.1', 'localhost'] });
let broker: PrivateBroker;

beforeAll(async () => {
  broker = await startPrivateBroker({ tls: { ...(await signWithStackCa(caFile, 'IP:127.0.0.1,DNS:localhost', 30)), caFile } });
});

afterAll(async () => {
  await sender.close();
  await broker?.stop();
});

const request = (url: string, overrides: Partial<MqttRequest> = {}): MqttRequest => ({
  destinationId: `dst_${randomBytes(4).toString('hex')}`,
  url,
  timeoutMs: 5_000,
  messages: [{ topic: 'allowed/tls', payload: '{}', deliveryId: 'dlv_1', eventId: 'evt_1', eventType: 'customer.created' }],
  ...overrides,
});

describe('mqtt sender over TLS (mqtts://)', () => {
  it('publishes to a broker whose certificate a CA of the destination signed, and checks the name in the URL', async () => {
    for (const host of ['127.0.0.1', 'localhost']) {
      const login = { username: broker.user, password: broker.password };
      expect(await sender.send(request(`mqtts://${host}:${broker.port}`, { caPem: ca, ...login }))).toMatchObject({
        result: { kind: 'response', status: 200 },
      });
    }
  });

  it('names mqtt.ssl_ca_pem when the broker is signed by a CA it does not trust, and never says unreachable', async () => {
    const outcome = await sender.send(request(`mqtts://127.0.0.1:${broker.port}`));
    expect(outcome.result).toEqual({ kind: 'error', code: 'mqtt_tls_failed' });
    expect(outcome.error).toMatch(untrustedWords('mqtt.ssl_ca_pem'));
    expect(outcome.durationMs).toBeLessThan(5_000);
  });

  it.each(refusedCertificates('mqtt.url'))('refuses %s, naming the TLS failure and what fixes it', async (_name, names, days, words) => {
    const outcome = await againstImpostor(names, days, (port) => sender.send(request(`mqtts://127.0.0.1:${port}`, { caPem: ca })));
    expect(outcome.result).toEqual({ kind: 'error', code: 'mqtt_tls_failed' });
    expect(outcome.error).toMatch(words);
  });
});
