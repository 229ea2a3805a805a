import { isIP } from 'node:net';
import { performance } from 'node:perf_hooks';
import { jetstream, type JetStreamClient } from '@nats-io/jetstream';
import { connect, headers as natsHeaders, type NatsConnection } from '@nats-io/transport-node';
import { hostPort, type Endpoint } from '../../core/endpoint-rules.js';
import type { Logger } from '../../adapters/logger.js';
import type { BrokerMessage } from '../broker-message.js';
import { resolveAll, settingsDigest, vetEndpoint, type ResolveHost } from '../endpoint-guard.js';
import type { SendOutcome } from '../send-outcome.js';
import { describeNatsFailure, natsCodes, type NatsFailure } from './describe-failure.js';
import { subjectProblem } from './subject.js';

export interface NatsRequest {
  readonly destinationId: string;
  readonly servers: readonly Endpoint[];
  readonly user?: string | undefined;
  readonly password?: string | undefined;
  readonly token?: string | undefined;
  /** With tls:// servers: the CAs to trust (PEM) instead of the system's. */
  readonly caPem?: string | null | undefined;
  readonly timeoutMs: number;
  readonly messages: readonly BrokerMessage[];
}

export interface NatsSenderOptions {
  readonly logger: Logger;
  /** DESTINATION_ALLOWED_HOSTS, lower case: hosts reachable at internal addresses. */
  readonly allowedHosts: readonly string[];
  /** @defaultValue every address of the host, from the system resolver */
  readonly resolveHost?: ResolveHost;
  /** A connection no attempt used for this long is closed, in ms. @defaultValue 300,000 (5 min) */
  readonly idleMs?: number;
}

export interface NatsSender {
  /** One attempt: every message published and acknowledged by a stream; never rejects. */
  send(request: NatsRequest): Promise<SendOutcome>;
  /** Closes a destination's connection (deleted or paused). */
  release(destinationId: string): void;
  close(): Promise<void>;
  /** Connections open or opening (for tests and /healthz). */
  openConnections(): number;
}

/** A server as it is dialled: its vetted address, and the name its certificate must hold. */
interface Target {
  readonly url: string;
  readonly tls: boolean;
  /** The host name of a tls:// server given by name; undefined for an address. */
  readonly servername: string | undefined;
}

interface Link {
  /** The servers and credentials, digested: settings that change make a new link. */
  readonly key: string;
  readonly ready: Promise<{ readonly connection: NatsConnection; readonly js: JetStreamClient }>;
  done: boolean;
  inFlight: number;
  idleTimer?: NodeJS.Timeout | undefined;
}

/**
 * Publishes to NATS JetStream destinations: one connection per destination, opened on first use
 * and kept while used. Each message is a JetStream publish with `Nats-Msg-Id` = the delivery id,
 * so the stream's duplicate window drops what a retried attempt sends again, and the attempt
 * succeeds only when a stream acknowledged every message (PubAck). The client neither reconnects
 * on its own nor follows the servers a cluster gossips: a connection that closes is dropped, and
 * the next attempt connects again to the servers named, held to DESTINATION_ALLOWED_HOSTS first.
 */
export function createNatsSender(options: NatsSenderOptions): NatsSender {
  const idleMs = options.idleMs ?? 300_000;
  const logger = options.logger.child({ component: 'nats-sender' });
  const allowed = new Set(options.allowedHosts);
  const resolveHost = options.resolveHost ?? resolveAll;
  const links = new Map<string, Link>();
  let closed = false;

  function drop(destinationId: string, link: Link): void {
    if (link.done) return;
    link.done = true;
    clearTimeout(link.idleTimer);
    if (links.get(destinationId) === link) links.delete(destinationId);
    link.ready.then(
      ({ connection }) => connection.close().catch(() => undefined),
      () => undefined,
    );
  }

  /** One connection to one server: at its vetted address, its certificate checked against its name. */
  function connectTo(request: NatsRequest, target: Target): Promise<NatsConnection> {
    return connect({
      servers: [target.url],
      name: 'event-pipeline-streamer',
      timeout: request.timeoutMs,
      reconnect: false,
      ignoreClusterUpdates: true,
      noEcho: true,
      ...(target.tls
        ? {
            tls: {
              ...(request.caPem === undefined || request.caPem === null ? {} : { ca: request.caPem }),
              ...(target.servername === undefined ? {} : { servername: target.servername }),
            },
          }
        : {}),
      ...(request.token !== undefined ? { token: request.token } : {}),
      ...(request.user !== undefined ? { user: request.user, pass: request.password ?? '' } : {}),
    });
  }

  function open(request: NatsRequest, targets: readonly Target[], key: string): Link {
    const ready = (async () => {
      // Every server at once, each at the address that was vetted, within the one attempt's timeout:
      // the first to connect is used, and the others are closed as they connect.
      const attempts = targets.map((target) => connectTo(request, target));
      try {
        const connection = await Promise.any(attempts);
        for (const attempt of attempts) {
          attempt.then(
            (other) => (other === connection ? undefined : other.close().catch(() => undefined)),
            () => undefined,
          );
        }
        return { connection, js: jetstream(connection, { timeout: request.timeoutMs }) };
      } catch (error) {
        const errors = error instanceof AggregateError ? error.errors : [error];
        // What a reachable server said (a refused login or certificate) tells more than a port that was closed.
        throw (
          errors.find((failure) => describeNatsFailure(failure, request.servers, '', request.timeoutMs).code !== natsCodes.unreachable) ??
          errors.at(-1)
        );
      }
    })();
    const link: Link = { key, ready, done: false, inFlight: 0 };
    ready.then(
      ({ connection }) => void connection.closed().then(() => drop(request.destinationId, link)),
      (error: unknown) => {
        logger.debug({ destinationId: request.destinationId, err: error }, 'nats destination connection failed');
        drop(request.destinationId, link);
      },
    );
    return link;
  }

  function acquire(request: NatsRequest, targets: readonly Target[]): Link {
    const key = settingsDigest([
      ...request.servers.map((server) => `${server.tls}:${hostPort(server)}`),
      request.user,
      request.password,
      request.token,
      request.caPem ?? undefined,
    ]);
    const current = links.get(request.destinationId);
    if (current !== undefined && current.key === key && !current.done) return current;
    if (current !== undefined) drop(request.destinationId, current);
    const link = open(request, targets, key);
    links.set(request.destinationId, link);
    return link;
  }

  async function send(request: NatsRequest): Promise<SendOutcome> {
    const started = performance.now();
    const outcome = (failure?: NatsFailure): SendOutcome => {
      const durationMs = Math.round(performance.now() - started);
      return failure === undefined
        ? { result: { kind: 'response', status: 200 }, durationMs }
        : { result: { kind: 'error', code: failure.code }, durationMs, error: failure.message };
    };
    if (closed) return outcome({ code: 'sender_closed', message: 'the NATS sender is closed' });
    for (const message of request.messages) {
      const problem = subjectProblem(message.address);
      if (problem !== undefined) {
        return outcome({
          code: 'invalid_subject',
          message: `the subject ${JSON.stringify(message.address)} of delivery ${message.id} ${problem}; fix nats.subject`,
        });
      }
    }
    const targets: Target[] = [];
    for (const server of request.servers) {
      const vetted = await vetEndpoint(server, allowed, resolveHost);
      if ('refusal' in vetted) return outcome(vetted.refusal);
      // Every server is reached at the vetted address (the check and the connection see the same
      // one: no second lookup a rebinding name could answer otherwise); a TLS server's certificate
      // must hold the name in its URL.
      const url = `${server.tls ? 'tls' : 'nats'}://${hostPort({ host: vetted.address, port: server.port })}`;
      targets.push({ url, tls: server.tls, servername: server.tls && isIP(server.host) === 0 ? server.host : undefined });
    }
    if (closed) return outcome({ code: 'sender_closed', message: 'the NATS sender is closed' });
    const link = acquire(request, targets);
    link.inFlight += 1;
    clearTimeout(link.idleTimer);
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'late'>((resolve) => {
      timer = setTimeout(() => resolve('late'), request.timeoutMs);
    });
    const subject = request.messages[0]?.address ?? '';
    try {
      const published = (async () => {
        const { js } = await link.ready;
        // Sent in order on the one connection; the stream stores them as they come.
        await Promise.all(
          request.messages.map((message) => {
            const headers = natsHeaders();
            headers.set('content-type', message.contentType);
            for (const [name, value] of Object.entries(message.headers)) headers.set(name, value);
            return js.publish(message.address, message.body, { msgID: message.id, headers, timeout: request.timeoutMs });
          }),
        );
      })();
      published.catch(() => undefined);
      if ((await Promise.race([published, late])) === 'late') {
        return outcome(describeNatsFailure(undefined, request.servers, subject, request.timeoutMs));
      }
      return outcome();
    } catch (error) {
      const failure = describeNatsFailure(error, request.servers, subject, request.timeoutMs);
      if (failure.code === natsCodes.unreachable) {
        logger.debug({ destinationId: request.destinationId, err: error }, 'nats destination unreachable');
        drop(request.destinationId, link);
      }
      return outcome(failure);
    } finally {
      clearTimeout(timer);
      link.inFlight -= 1;
      if (link.inFlight === 0 && !link.done) {
        link.idleTimer = setTimeout(() => drop(request.destinationId, link), idleMs).unref();
      }
    }
  }

  return {
    send,
    release(destinationId) {
      const link = links.get(destinationId);
      if (link !== undefined) drop(destinationId, link);
    },
    async close() {
      closed = true;
      const open = [...links.entries()];
      for (const [destinationId, link] of open) drop(destinationId, link);
      await Promise.all(open.map(([, link]) => link.ready.then(({ connection }) => connection.close()).catch(() => undefined)));
    },
    openConnections: () => links.size,
  };
}
