import { createHash } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { connect, type ChannelModel, type ConfirmChannel, type Message } from 'amqplib';
import type { AmqpEndpoint } from '../../core/endpoint-rules.js';
import type { Logger } from '../../adapters/logger.js';
import { jsonContentType, type BrokerMessage } from '../broker-message.js';
import { guardedLookup, refusalOf } from '../endpoint-guard.js';
import type { SendOutcome } from '../send-outcome.js';
import { amqpCodes, brokerReason, describeAmqpFailure, type AmqpFailure } from './describe-failure.js';

export interface AmqpRequest {
  readonly destinationId: string;
  readonly endpoint: AmqpEndpoint;
  /** @defaultValue guest */
  readonly username?: string | undefined;
  readonly password?: string | undefined;
  /** With amqps: the CAs to trust instead of the system's. */
  readonly ca?: string | undefined;
  readonly exchange: string;
  readonly timeoutMs: number;
  readonly messages: readonly BrokerMessage[];
}

export interface AmqpSenderOptions {
  readonly logger: Logger;
  /** DESTINATION_ALLOWED_HOSTS, lower case: hosts reachable at internal addresses. */
  readonly allowedHosts: readonly string[];
  /** A connection no attempt used for this long is closed, in ms. @defaultValue 300,000 (5 min) */
  readonly idleMs?: number;
}

export interface AmqpSender {
  /** One attempt: every message published, and confirmed by the broker; never rejects. */
  send(request: AmqpRequest): Promise<SendOutcome>;
  /** Closes a destination's connection (deleted or paused). */
  release(destinationId: string): void;
  close(): Promise<void>;
  /** Connections open or opening (for tests and /healthz). */
  openConnections(): number;
}

/** A destination's connection and its confirm channel; closed for good at its first error. */
interface Link {
  /** The URL, user, password and CA, digested: settings that change make a new link. */
  readonly key: string;
  readonly ready: Promise<{ readonly model: ChannelModel; readonly channel: ConfirmChannel }>;
  /** Why the link failed, once it has: every attempt on it fails with this. */
  failure?: AmqpFailure | undefined;
  /** The broker's reason while it blocks publishing (connection.blocked). */
  blocked?: string | undefined;
  /** Attempts in flight, each told when the link fails or is blocked. */
  readonly waiting: Set<(failure: AmqpFailure) => void>;
  /** Messages the broker returned as unroutable, by message id, until their confirm arrives. */
  readonly returned: Map<string, string>;
  inFlight: number;
  idleTimer?: NodeJS.Timeout | undefined;
}

/** Heartbeats find a connection whose peer went silent (a partition) within about twice this, in s. */
const heartbeatSeconds = 15;

/**
 * Publishes to RabbitMQ destinations over AMQP 0-9-1: one connection and confirm channel per
 * destination, opened on first use and kept while used. Each message is persistent and mandatory,
 * so an attempt succeeds only when the broker confirmed every one of its messages (publisher
 * confirms) and returned none as unroutable. A link whose connection or channel closes (the broker
 * went away, or closed the channel over a missing exchange) is dropped: the next attempt connects
 * again. The host is held to DESTINATION_ALLOWED_HOSTS before connecting and at the connection's
 * own lookup. The password never appears in the URL, a log line or a delivery log message.
 */
export function createAmqpSender(options: AmqpSenderOptions): AmqpSender {
  const idleMs = options.idleMs ?? 300_000;
  const logger = options.logger.child({ component: 'amqp-sender' });
  const allowed = new Set(options.allowedHosts);
  const links = new Map<string, Link>();
  let closed = false;

  /** Fails the link once: attempts on it end with `failure`, and its connection closes. */
  function fail(destinationId: string, link: Link, failure: AmqpFailure): void {
    if (link.failure !== undefined) return;
    link.failure = failure;
    if (links.get(destinationId) === link) links.delete(destinationId);
    clearTimeout(link.idleTimer);
    for (const tell of link.waiting) tell(failure);
    link.ready.then(
      ({ model }) => model.close().catch(() => undefined),
      () => undefined,
    );
  }

  function open(destinationId: string, request: AmqpRequest, key: string): Link {
    const { endpoint } = request;
    const username = request.username ?? 'guest';
    const link: Link = { key, ready: undefined as never, waiting: new Set(), returned: new Map(), inFlight: 0 };
    const brokerClosed = (error: unknown, fallback: string) =>
      fail(destinationId, link, {
        code: amqpCodes.closed,
        message: `RabbitMQ closed the ${fallback}: ${brokerReason(error) ?? (error instanceof Error ? error.message : 'no reason given')}`,
      });
    const ready = (async () => {
      const model = await connect(
        {
          protocol: endpoint.tls ? 'amqps' : 'amqp',
          hostname: endpoint.host,
          port: endpoint.port,
          vhost: endpoint.vhost,
          username,
          password: request.password ?? 'guest',
          heartbeat: heartbeatSeconds,
        },
        {
          timeout: request.timeoutMs,
          lookup: guardedLookup('amqp.url', allowed),
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
      logger.debug({ destinationId, err: error }, 'amqp destination connection failed');
      fail(destinationId, link, describeAmqpFailure(error, endpoint, username, request.timeoutMs));
    });
    Object.assign(link, { ready });
    return link;
  }

  function acquire(request: AmqpRequest): Link {
    const key = digest(request);
    const current = links.get(request.destinationId);
    if (current !== undefined && current.key === key && current.failure === undefined) return current;
    if (current !== undefined) fail(request.destinationId, current, { code: 'settings_changed', message: 'the settings changed' });
    const link = open(request.destinationId, request, key);
    links.set(request.destinationId, link);
    return link;
  }

  async function send(request: AmqpRequest): Promise<SendOutcome> {
    const started = performance.now();
    const outcome = (failure?: AmqpFailure): SendOutcome => {
      const durationMs = Math.round(performance.now() - started);
      return failure === undefined
        ? { result: { kind: 'response', status: 200 }, durationMs }
        : { result: { kind: 'error', code: failure.code }, durationMs, error: failure.message };
    };
    if (closed) return outcome({ code: 'sender_closed', message: 'the RabbitMQ sender is closed' });
    const refusal = await refusalOf('amqp.url', request.endpoint, allowed);
    if (refusal !== undefined) return outcome({ code: 'destination_refused', message: refusal });
    if (closed) return outcome({ code: 'sender_closed', message: 'the RabbitMQ sender is closed' });
    const link = acquire(request);
    link.inFlight += 1;
    clearTimeout(link.idleTimer);
    let tell: ((failure: AmqpFailure) => void) | undefined;
    let timer: NodeJS.Timeout | undefined;
    const interrupted = new Promise<AmqpFailure>((resolve) => {
      tell = resolve;
      link.waiting.add(resolve);
      timer = setTimeout(
        () => resolve(describeAmqpFailure(undefined, request.endpoint, request.username ?? 'guest', request.timeoutMs)),
        request.timeoutMs,
      );
    });
    try {
      const published = publishAll(link, request);
      published.catch(() => undefined);
      return outcome(await Promise.race([published, interrupted]));
    } finally {
      clearTimeout(timer);
      if (tell !== undefined) link.waiting.delete(tell);
      link.inFlight -= 1;
      if (link.inFlight === 0 && link.failure === undefined) {
        link.idleTimer = setTimeout(() => fail(request.destinationId, link, { code: 'idle', message: 'idle' }), idleMs).unref();
      }
    }
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
                contentType: jsonContentType,
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

  return {
    send,
    release(destinationId) {
      const link = links.get(destinationId);
      if (link !== undefined) fail(destinationId, link, { code: 'released', message: 'the destination was released' });
    },
    async close() {
      closed = true;
      const open = [...links.entries()];
      for (const [destinationId, link] of open)
        fail(destinationId, link, { code: 'sender_closed', message: 'the RabbitMQ sender is closed' });
      await Promise.all(open.map(([, link]) => link.ready.then(({ model }) => model.close()).catch(() => undefined)));
    },
    openConnections: () => links.size,
  };
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

/** Tells connection settings apart without keeping them. */
function digest(request: AmqpRequest): string {
  const { endpoint } = request;
  const parts = [endpoint.host, endpoint.port, endpoint.tls, endpoint.vhost, request.username, request.password, request.ca];
  return createHash('sha256').update(JSON.stringify(parts)).digest('hex').slice(0, 16);
}
