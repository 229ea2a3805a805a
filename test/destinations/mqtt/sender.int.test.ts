import { randomBytes } from 'node:crypto';
import { connectAsync, type IPublishPacket, type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMqttSender, type MqttMessage, type MqttRequest } from '../../../destinations/mqtt/sender.js';
import { createTestLogger } from '../../harness/log-sink.js';
import { brokerSenderChecks } from '../broker-sender-checks.js';
import { freePort } from '../../harness/ports.js';
import { maxPacketBytes, startPrivateBroker, type PrivateBroker } from './private-broker.js';

/** Every topic this file publishes to is under it. */
const root = `evp-test/mqtt-sender/${randomBytes(4).toString('hex')}`;
const url = 'mqtt://127.0.0.1:1883';
const sender = createMqttSender({ logger: createTestLogger('silent'), allowedHosts: ['127.0.0.1'] });
let reader: MqttClient;
let broker: PrivateBroker;
const received: IPublishPacket[] = [];

beforeAll(async () => {
  reader = await connectAsync(url, { protocolVersion: 5, clean: true, reconnectPeriod: 0 });
  reader.on('message', (_topic, _payload, packet) => received.push(packet));
  await reader.subscribeAsync(`${root}/#`, { qos: 1 });
  broker = await startPrivateBroker();
});

afterAll(async () => {
  await sender.close();
  await reader?.endAsync();
  await broker?.stop();
});

const message = (n: number, topic = `${root}/customer/cus_1`): MqttMessage => ({
  topic,
  payload: JSON.stringify({ id: `evt_${n}`, type: 'customer.created' }),
  deliveryId: `dlv_${n}`,
  eventId: `evt_${n}`,
  eventType: 'customer.created',
});

const request = (overrides: Partial<MqttRequest> = {}): MqttRequest => ({
  destinationId: `dst_${randomBytes(4).toString('hex')}`,
  url,
  timeoutMs: 5_000,
  messages: [message(1), message(2), message(3)],
  ...overrides,
});

async function arrived(count: number): Promise<IPublishPacket[]> {
  for (let tries = 0; tries < 200 && received.length < count; tries++) await new Promise((resolve) => setTimeout(resolve, 25));
  return received.splice(0, received.length);
}

describe('mqtt sender', () => {
  it('mqtt sender publishes each message with QoS 1, its ids as MQTT 5 user properties', async () => {
    const outcome = await sender.send(request());

    expect(outcome).toMatchObject({ result: { kind: 'response', status: 200 } });
    const packets = await arrived(3);
    expect(packets.map((packet) => [packet.topic, packet.qos, packet.retain, String(packet.payload)])).toEqual(
      [1, 2, 3].map((n) => [`${root}/customer/cus_1`, 1, false, message(n).payload]),
    );
    expect(packets.map((packet) => packet.properties?.userProperties)).toEqual(
      [1, 2, 3].map((n) => ({ 'evp-delivery-id': `dlv_${n}`, 'evp-event-id': `evt_${n}`, 'evp-event-type': 'customer.created' })),
    );
    expect(packets[0]?.properties?.contentType).toBe('application/json');
  });

  it('mqtt sender publishes with the credentials a broker requires', async () => {
    const outcome = await sender.send(
      request({
        url: `mqtt://127.0.0.1:${broker.port}`,
        username: broker.user,
        password: broker.password,
        messages: [message(1, 'allowed/x')],
      }),
    );
    expect(outcome).toMatchObject({ result: { kind: 'response', status: 200 } });
  });

  it('mqtt sender fails an attempt whose password the broker refuses, without quoting it', async () => {
    const password = `wrong-${randomBytes(6).toString('hex')}`;
    const outcome = await sender.send(request({ url: `mqtt://127.0.0.1:${broker.port}`, username: broker.user, password }));
    expect(outcome.result).toEqual({ kind: 'error', code: 'mqtt_not_authorized' });
    expect(outcome.error).toMatch(
      new RegExp(`^the MQTT broker at 127\\.0\\.0\\.1:${broker.port} refused to let the destination's user connect`),
    );
    expect(JSON.stringify(outcome)).not.toContain(password);
  });

  it('mqtt sender fails an attempt on a topic the broker does not let the user publish to', async () => {
    const outcome = await sender.send(
      request({
        url: `mqtt://127.0.0.1:${broker.port}`,
        username: broker.user,
        password: broker.password,
        messages: [message(1, 'denied/x')],
      }),
    );
    expect(outcome.result).toEqual({ kind: 'error', code: 'mqtt_publish_refused' });
    expect(outcome.error).toBe(
      `the MQTT broker at 127.0.0.1:${broker.port} refused a message on denied/x (Not authorized); check mqtt.topic and the broker's ACL for the user`,
    );
  });

  it('mqtt sender fails an attempt with a message larger than the broker takes, saying why the broker closed', async () => {
    const large = { ...message(1, 'allowed/large'), payload: JSON.stringify({ id: 'evt_1', data: 'x'.repeat(2 * maxPacketBytes) }) };
    const outcome = await sender.send(
      request({ url: `mqtt://127.0.0.1:${broker.port}`, username: broker.user, password: broker.password, messages: [large] }),
    );
    expect(outcome.result).toEqual({ kind: 'error', code: 'mqtt_disconnected' });
    expect(outcome.error).toMatch(
      new RegExp(
        `^the MQTT broker at 127\\.0\\.0\\.1:${broker.port} closed the connection while publishing to allowed/large \\(Packet too large\\)`,
      ),
    );
  });

  it('mqtt sender fails an attempt fast when nothing listens on the port', async () => {
    const port = await freePort();
    const outcome = await sender.send(request({ url: `mqtt://127.0.0.1:${port}` }));
    expect(outcome.result).toEqual({ kind: 'error', code: 'mqtt_unreachable' });
    expect(outcome.error).toBe(
      `could not reach the MQTT broker at 127.0.0.1:${port}, or it did not acknowledge every message within 5000 ms; check mqtt.url and that the broker is up and reachable from the pipeline`,
    );
  });

  brokerSenderChecks('mqtt', sender, createMqttSender, request, url);
});
