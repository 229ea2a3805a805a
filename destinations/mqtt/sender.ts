import { randomBytes } from 'node:crypto';
import type { LookupAddress } from 'node:dns';
import { isIP, type LookupFunction } from 'node:net';
import { performance } from 'node:perf_hooks';
import { connect, ReasonCodes, type IClientOptions, type IClientPublishOptions, type MqttClient } from 'mqtt';
import { hostPort, isEndpoint, parseEndpoint, type Endpoint } from '../../core/endpoint-rules.js';
import {
  AttemptTimeoutError,
  attemptDeadline,
  createBrokerConnections,
  failedAttempt,
  type BrokerConnection,
  type BrokerRequest,
  type BrokerSender,
  type BrokerSenderOptions,
} from '../broker-connections.js';
import { settingsDigest, type VettedAddress } from '../endpoint-guard.js';
import type { SendOutcome } from '../send-outcome.js';
import { describeMqttFailure, isProtocolRefusal } from './describe-failure.js';
import { mqttUrlRules } from './rules.js';
import { jsonContentType } from '../../core/payload-shape.js';

/** One message: the topic (rendered and checked), the event JSON, and what identifies it. */
export interface MqttMessage {
  readonly topic: string;
  readonly payload: string;
  readonly deliveryId: string;
  readonly eventId: string;
  readonly eventType: string;
  /** The payload's media type (MQTT 5's content type). @defaultValue `application/json` */
  readonly contentType?: string | undefined;
}

export interface MqttRequest extends BrokerRequest {
  readonly messages: readonly MqttMessage[];
  /** With mqtts or wss: the CAs to trust (PEM) instead of the system's. */
  readonly caPem?: string | null | undefined;
}

export type MqttSender = BrokerSender<MqttRequest>;

interface Client {
  readonly mqtt: MqttClient;
  /** Settles with the CONNACK, or the reason there was none. */
  readonly connected: Promise<void>;
  /** Rejects when the connection closes: what was in flight on it is not acknowledged. */
  readonly closed: Promise<never>;
  /** MQTT 5 (user properties), or 3.1.1 for a broker that refused 5. */
  readonly version: 4 | 5;
}

class ClosedError extends Error {}

/** The broker's DISCONNECT (MQTT 5) before it closed the connection: its reason code says why (a packet too large, …). */
class DisconnectedError extends Error {
  constructor(readonly code: number) {
    super(`Disconnected: ${(ReasonCodes as Record<number, string | undefined>)[code] ?? `reason code ${code}`}`);
  }
}

/**
 * Publishes to MQTT destinations with MQTT.js: one connection per destination, opened on first use
 * to the address vetted by the host rules, with a clean session and a client id of its own (two
 * streamers never share a session, and a broker never takes one's connection to give it to the
 * other). No reconnection: a connection that closed is dropped, and the next attempt (on the
 * destination's retry schedule) connects afresh, resolving the host again and publishing again
 * what was not acknowledged. MQTT 5 first; a broker that refuses the version gets 3.1.1, without
 * the user properties.
 */
export function createMqttSender(options: BrokerSenderOptions): MqttSender {
  const logger = options.logger.child({ component: 'mqtt-sender' });
  const connections = createBrokerConnections<Client>({ ...options, label: 'MQTT', end: (client) => client.mqtt.endAsync(true) });
  /** Settings digests of the destinations whose broker refused MQTT 5. */
  const speaks311 = new Set<string>();

  function open(endpoint: Endpoint, vetted: VettedAddress, request: MqttRequest, key: string): BrokerConnection<Client> {
    const version: 4 | 5 = speaks311.has(key) ? 4 : 5;
    const mqtt = connect(clientOptions(endpoint, vetted, request, version));
    const where = hostPort(endpoint);
    const connected = new Promise<void>((resolve, reject) => {
      mqtt.once('connect', () => resolve());
      mqtt.once('error', reject);
      mqtt.once('close', () => reject(new ClosedError()));
    });
    let disconnect: DisconnectedError | undefined;
    mqtt.once('disconnect', (packet) => {
      if (packet.reasonCode !== undefined && packet.reasonCode !== 0) disconnect = new DisconnectedError(packet.reasonCode);
    });
    const closing = new Promise<never>((_resolve, reject) => mqtt.once('close', () => reject(disconnect ?? new ClosedError())));
    connected.catch(() => undefined);
    closing.catch(() => undefined);
    // A tenant's broker failing is the tenant's to read in the delivery log, not warnings in the operator's.
    mqtt.on('error', (error) => logger.debug({ where, reason: error.message }, 'mqtt destination connection error'));
    return { key, where, client: { mqtt, connected, closed: closing, version } };
  }

  async function publish(client: Client, messages: readonly MqttMessage[]): Promise<void> {
    await client.connected;
    await Promise.all(
      messages.map((message) => {
        const publishOptions: IClientPublishOptions = { qos: 1, retain: false };
        if (client.version === 5) {
          publishOptions.properties = {
            payloadFormatIndicator: true,
            contentType: message.contentType ?? jsonContentType,
            userProperties: { 'evp-delivery-id': message.deliveryId, 'evp-event-id': message.eventId, 'evp-event-type': message.eventType },
          };
        }
        return client.mqtt.publishAsync(message.topic, message.payload, publishOptions);
      }),
    );
  }

  async function send(request: MqttRequest): Promise<SendOutcome> {
    const started = performance.now();
    const refused = connections.refusedWhenClosed(started);
    if (refused !== undefined) return refused;
    const endpoint = parseEndpoint(request.url, mqttUrlRules);
    if (!isEndpoint(endpoint)) return failedAttempt(started, 'invalid_url', `${endpoint.message}; update the destination`);
    const key = settingsDigest([request.url, request.username, request.password, request.caPem ?? undefined]);
    const deadline = attemptDeadline(request.timeoutMs);
    const usable = (client: Client) => !client.mqtt.disconnecting && !client.mqtt.disconnected;
    /** The broker as the delivery log names it. */
    const broker = { where: hostPort(endpoint) };
    try {
      // Twice at most: a broker that refuses MQTT 5 is asked again for 3.1.1.
      for (let tries = 0; ; tries++) {
        const acquired = connections.acquire(request, endpoint, key, usable, (vetted) => open(endpoint, vetted, request, key));
        const connection = await Promise.race([acquired, deadline.promise]);
        if (!('client' in connection)) return { ...connection, durationMs: Math.round(performance.now() - started) };
        broker.where = connection.where;
        const done = connections.use(request.destinationId, connection);
        try {
          const sent = publish(connection.client, request.messages);
          sent.catch(() => undefined);
          await Promise.race([sent, connection.client.closed, deadline.promise]);
          return { result: { kind: 'response', status: 200 }, durationMs: Math.round(performance.now() - started) };
        } catch (error) {
          const retried = tries === 0 && connection.client.version === 5 && isProtocolRefusal(error);
          if (retried) speaks311.add(key);
          // A refused publish (a PUBACK reason code) leaves the connection usable; anything else drops it.
          if (!isPublishRefusal(error)) connections.drop(request.destinationId, connection);
          if (!retried) throw error;
        } finally {
          done();
        }
      }
    } catch (error) {
      const reason = error instanceof AttemptTimeoutError || error instanceof ClosedError ? undefined : error;
      const topics = [...new Set(request.messages.map((message) => message.topic))];
      const failure = describeMqttFailure(reason, { where: broker.where, timeoutMs: request.timeoutMs, topics });
      return failedAttempt(started, failure.code, failure.message);
    } finally {
      deadline.clear();
    }
  }

  return connections.sender(send);
}

/**
 * MQTT.js's options for one connection: the vetted address rather than the name (the name still
 * checks a TLS certificate and names the WebSocket's host), a clean session, no reconnection.
 */
function clientOptions(endpoint: Endpoint, vetted: VettedAddress, request: MqttRequest, version: 4 | 5): IClientOptions {
  const name = isIP(endpoint.host) === 0 ? endpoint.host : undefined;
  const websocket = endpoint.scheme === 'ws' || endpoint.scheme === 'wss';
  // The WebSocket client resolves the name itself: it gets the vetted address through `lookup`.
  const lookup: LookupFunction = (_hostname, lookupOptions, callback) => {
    if (lookupOptions.all === true) return callback(null, [{ address: vetted.address, family: vetted.family } satisfies LookupAddress]);
    return callback(null, vetted.address, vetted.family);
  };
  const host = websocket ? endpoint.host : vetted.address;
  return {
    protocol: endpoint.scheme as 'mqtt' | 'mqtts' | 'ws' | 'wss',
    host,
    hostname: host,
    port: endpoint.port,
    ...(websocket ? { path: endpoint.path || '/', wsOptions: { lookup } } : {}),
    ...(name === undefined ? {} : { servername: name }),
    ...(request.caPem === undefined || request.caPem === null ? {} : { ca: request.caPem }),
    ...(request.username === undefined ? {} : { username: request.username }),
    ...(request.password === undefined ? {} : { password: request.password }),
    // Short enough for any broker (MQTT 3.1.1 brokers may refuse ids past 23 characters).
    clientId: `evp_${randomBytes(8).toString('hex')}`,
    clean: true,
    protocolVersion: version,
    reconnectPeriod: 0,
    connectTimeout: request.timeoutMs,
    keepalive: 60,
    resubscribe: false,
    queueQoSZero: false,
  };
}

function isPublishRefusal(error: unknown): boolean {
  return error instanceof Error && error.message.startsWith('Publish error:');
}
