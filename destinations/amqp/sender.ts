import { performance } from 'node:perf_hooks';
import { isIP } from 'node:net';
import { connect, type ChannelModel, type ConfirmChannel, type Message } from 'amqplib';
import { hostPort, isEndpoint } from '../../core/endpoint-rules.js';
import type { BrokerMessage } from '../broker-message.js';
import {
  createBrokerConnections,
  failedAttempt,
  type BrokerConnection,
  type BrokerRequest,
  type BrokerSender,
  type BrokerSenderOptions,
} from '../broker-connections.js';
import { settingsDigest, type VettedAddress } from '../endpoint-guard.js';
import type { SendOutcome } from '../send-outcome.js';
import { amqpCodes, brokerReason, describeAmqpFailure, type AmqpFailure } from './describe-failure.js';
import { parseAmqpUrl, type AmqpEndpoint } from './url.js';

export interface AmqpRequest extends BrokerRequest {
  /** With amqps: the CAs to trust instead of the system's. */
  readonly ca?: string | undefined;
  readonly exchange: string;
  readonly messages: readonly BrokerMessage[];
}

export type AmqpSender = BrokerSender<AmqpRequest>;

/** A destination's connection and its confirm channel; closed for good at its first error. */
interface Link {
  readonly ready: Promise<{ readonly model: ChannelModel; readonly channel: ConfirmChannel }>;
  /** Why the link failed, once it has: every attempt on it fails with this. */
  failure?: AmqpFailure | undefined;
  /** The broker's reason while it blocks publishing (connection.blocked). */
  blocked?: string | undefined;
  /** Attempts in flight, each told when the link fails or is blocked. */
  readonly waiting: Set<(failure: AmqpFailure) => void>;
  /** Messages the broker returned as unroutable, by message id, until their confirm arrives. */
  readonly returned: Map<string, string>;
}

/** Heartbeats find a connection whose peer went silent (a partition) within about twice this, in s. */
const heartbeatSeconds = 15;

/**
 * Publishes to RabbitMQ destinations over AMQP 0-9-1: one connection and confirm channel per
 * destination (destinations/broker-connections.ts: opened on first use to the address vetted by
 * the host rules, kept while used, 5 minutes idle by default). Each message is persistent and
 * mandatory, so an attempt succeeds only when the broker confirmed every one of its messages
 * (publisher confirms) and returned none as unroutable. A link whose connection or channel closes
 * (the broker went away, or closed the channel over a missing exchange) is dropped: the next
 * attempt connects again, resolving the host again. The password never appears in the URL, a log
 * line or a delivery log message.
 */
export function createAmqpSender(options: BrokerSenderOptions): AmqpSender {
  const logger = options.logger.child({ component: 'amqp-sender' });
  const connections = createBrokerConnections<Link>({
    ...options,
    idleMs: options.idleMs ?? 300_000,
    label: 'RabbitMQ',
    end: async (link) => {
      failLink(link, { code: 'released', message: 'the connection was closed' });
      await link.ready.then(({ model }) => model.close()).catch(() => undefined);
    },
  });

  function open(request: AmqpRequest, endpoint: AmqpEndpoint, vetted: VettedAddress, key: string): BrokerConnection<Link> {
    const username = request.username ?? 'guest';
    const link: Link = { ready: undefined as never, waiting: new Set(), returned: new Map() };
    const connection: BrokerConnection<Link> = { key, where: hostPort(endpoint), client: link };
    const fail = (failure: AmqpFailure) => {
      failLink(link, failure);
      connections.drop(request.destinationId, connection);
    };
    const brokerClosed = (error: unknown, fallback: string) =>
      fail({
        code: amqpCodes.closed,
        message: `RabbitMQ closed the ${fallback}: ${brokerReason(error) ?? (error instanceof Error ? error.message : 'no reason given')}`,
      });
    const ready = (async () => {
      // The vetted address, not the name: the check and the connection see the same address.
      const model = await connect(
        {
          protocol: endpoint.tls ? 'amqps' : 'amqp',
          hostname: vetted.address,
          port: endpoint.port,
          vhost: endpoint.vhost,
          username,
          password: request.password ?? 'guest',
          heartbeat: heartbeatSeconds,
        },
        {
          timeout: request.timeoutMs,
          // The certificate is checked against the name in the URL, not the address connected to.
          ...(endpoint.tls && isIP(endpoint.host) === 0 ? { servername: endpoint.host } : {}),
          ...(request.ca === undefined ? {} : { ca: request.ca }),
        },
      );
      model.on('error', (error: unknown) => brokerClosed(error, 'connection'));
      model.on('close', (error?: unknown) => brokerClosed(error, 'connection'));
      model.on('blocked', (reason: string) => {
        link.blocked = reason;
        for (const tell of link.waiting) tell(blockedFailure(reason));
      });
      model.on('unblocked', () => {
        link.blocked = undefined;
      });
      if (link.failure !== undefined) {
        await model.close().catch(() => undefined);
        throw new Error('link closed while connecting');
      }
      const channel = await model.createConfirmChannel();
      channel.on('error', (error: unknown) => brokerClosed(error, 'channel'));
      channel.on('close', () => brokerClosed(undefined, 'channel'));
      channel.on('return', (message: Message) => {
        const id = message.properties.messageId as unknown;
        // A basic.return's fields: amqplib's types name only a delivery's.
        const { replyCode, replyText } = message.fields as unknown as { replyCode: number; replyText: string };
        if (typeof id === 'string') link.returned.set(id, `${replyCode} ${replyText}`);
      });
      return { model, channel };
    })();
    ready.catch((error: unknown) => {
      logger.debug({ destinationId: request.destinationId, err: error }, 'amqp destination connection failed');
      fail(describeAmqpFailure(error, endpoint, username, request.timeoutMs));
    });
    Object.assign(link, { ready });
    return connection;
  }

  async function send(request: AmqpRequest): Promise<SendOutcome> {
    const started = performance.now();
    const refused = connections.refusedWhenClosed(started);
    if (refused !== undefined) return refused;
    const endpoint = parseAmqpUrl(request.url);
    if (!isEndpoint(endpoint)) return failedAttempt(started, 'invalid_settings', `amqp.url: ${endpoint.message}`);
    const key = settingsDigest([request.url, request.username, request.password, request.ca]);
    const usable = (link: Link) => link.failure === undefined;
    const current = await connections.acquire(request, endpoint, key, usable, (vetted) => open(request, endpoint, vetted, key));
    if (!('client' in current)) return { ...current, durationMs: Math.round(performance.now() - started) };
    const link = current.client;
    const done = connections.use(request.destinationId, current);
    let tell: ((failure: AmqpFailure) => void) | undefined;
    let timer: NodeJS.Timeout | undefined;
    const interrupted = new Promise<AmqpFailure>((resolve) => {
      tell = resolve;
      link.waiting.add(resolve);
      timer = setTimeout(
        () => resolve(describeAmqpFailure(undefined, endpoint, request.username ?? 'guest', request.timeoutMs)),
        request.timeoutMs,
      );
    });
    try {
      const published = publishAll(link, request);
      published.catch(() => undefined);
      const failure = await Promise.race([published, interrupted]);
      return failure === undefined
        ? { result: { kind: 'response', status: 200 }, durationMs: Math.round(performance.now() - started) }
        : failedAttempt(started, failure.code, failure.message);
    } finally {
      clearTimeout(timer);
      if (tell !== undefined) link.waiting.delete(tell);
      done();
    }
  }

  return connections.sender(send);
}

/** Fails the link once: attempts on it end with `failure`. */
function failLink(link: Link, failure: AmqpFailure): void {
  if (link.failure !== undefined) return;
  link.failure = failure;
  for (const tell of link.waiting) tell(failure);
}

/** Publishes every message and waits for each confirm; the first failure is the attempt's. */
async function publishAll(link: Link, request: AmqpRequest): Promise<AmqpFailure | undefined> {
  const { channel } = await link.ready.catch(() => ({ channel: undefined }));
  if (channel === undefined || link.failure !== undefined) return link.failure;
  if (link.blocked !== undefined) return blockedFailure(link.blocked);
  const confirms = request.messages.map(
    (message) =>
      new Promise<AmqpFailure | undefined>((resolve) => {
        const confirmed = (error: unknown) => {
          const returned = link.returned.get(message.id);
          link.returned.delete(message.id);
          if (returned !== undefined) resolve(unroutable(request.exchange, message.address, returned));
          else if (error !== null && error !== undefined) resolve(link.failure ?? nacked(request.exchange, message.address));
          else resolve(undefined);
        };
        try {
          channel.publish(
            request.exchange,
            message.address,
            message.body,
            {
              persistent: true,
              mandatory: true,
              messageId: message.id,
              contentType: message.contentType,
              headers: message.headers,
            },
            confirmed,
          );
        } catch (error) {
          // A headers table too large to encode, or a channel that closed meanwhile.
          resolve(link.failure ?? { code: amqpCodes.closed, message: `the message could not be published: ${String(error)}` });
        }
      }),
  );
  const failures = await Promise.all(confirms);
  return failures.find((failure) => failure !== undefined);
}

function blockedFailure(reason: string): AmqpFailure {
  return {
    code: amqpCodes.blocked,
    message: `RabbitMQ blocked publishing on the connection (${reason}); the broker is out of memory or disk, and the attempt is retried`,
  };
}

function unroutable(exchange: string, routingKey: string, reply: string): AmqpFailure {
  return {
    code: amqpCodes.unroutable,
    message: `RabbitMQ returned the message as unroutable (${reply}): no queue is bound to ${exchangeName(exchange)} for routing key ${JSON.stringify(routingKey)}; bind a queue or fix amqp.routing_key`,
  };
}

function nacked(exchange: string, routingKey: string): AmqpFailure {
  return {
    code: amqpCodes.nacked,
    message: `RabbitMQ refused the message to ${exchangeName(exchange)} with routing key ${JSON.stringify(routingKey)} (basic.nack), e.g. a full queue that rejects publishes; the attempt is retried`,
  };
}

function exchangeName(exchange: string): string {
  return exchange === '' ? 'the default exchange' : `exchange ${JSON.stringify(exchange)}`;
}
