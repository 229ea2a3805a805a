import { performance } from 'node:perf_hooks';
import type { Logger } from '../adapters/logger.js';
import type { ResolveHost } from './endpoint-guard.js';
import type { SendOutcome } from './send-outcome.js';

/**
 * What the senders of brokers reached by one URL (Redis, MQTT) share: the shape of a request and
 * of the sender, and one connection per destination, kept while it is used.
 */

/** One attempt to a broker destination. */
export interface BrokerRequest {
  /** The destination's id: its connection is its own. */
  readonly destinationId: string;
  readonly url: string;
  readonly username?: string | undefined;
  readonly password?: string | undefined;
  readonly timeoutMs: number;
}

export interface BrokerSenderOptions {
  readonly logger: Logger;
  /** DESTINATION_ALLOWED_HOSTS, lower case. */
  readonly allowedHosts: readonly string[];
  /** @defaultValue every address of the host, from the system resolver */
  readonly resolveHost?: ResolveHost;
  /** A connection unused this long is closed, in ms. @defaultValue 60,000 */
  readonly idleMs?: number;
}

export interface BrokerSender<Request extends BrokerRequest> {
  /** One attempt. Never rejects: every failure is an outcome. */
  send(request: Request): Promise<SendOutcome>;
  /** Closes a destination's connection (it was deleted or paused). */
  release(destinationId: string): void;
  close(): Promise<void>;
  /** Connections open or opening (for tests and metrics). */
  openConnections(): number;
}

/** A destination's connection and what it was opened with. */
export interface BrokerConnection<Client> {
  /** A digest of the URL and credentials (endpoint-guard.ts): other settings make a new connection. */
  readonly key: string;
  /** `host:port`, as the delivery log names the broker. */
  readonly where: string;
  readonly client: Client;
}

export interface BrokerConnections<Client> {
  /** The destination's connection opened with `key` and still `usable`; another one it has is closed. */
  find(destinationId: string, key: string, usable: (client: Client) => boolean): BrokerConnection<Client> | undefined;
  add(destinationId: string, connection: BrokerConnection<Client>): void;
  /** Marks the connection in use; the returned function ends the use, and the idle period starts with the last one. */
  use(destinationId: string, connection: BrokerConnection<Client>): () => void;
  /** Closes a connection that failed, or the destination's (released). */
  drop(destinationId: string, connection?: BrokerConnection<Client>): void;
  closeAll(): Promise<void>;
  readonly size: number;
}

interface Kept {
  inFlight: number;
  idleTimer?: NodeJS.Timeout | undefined;
}

export function createBrokerConnections<Client>(options: {
  readonly idleMs: number;
  /** Closes a client at once; what was in flight on it fails. */
  readonly end: (client: Client) => Promise<void>;
}): BrokerConnections<Client> {
  const byDestination = new Map<string, BrokerConnection<Client>>();
  const live = new Map<BrokerConnection<Client>, Kept>();

  const drop = (destinationId: string, connection = byDestination.get(destinationId)): void => {
    if (connection === undefined) return;
    if (byDestination.get(destinationId) === connection) byDestination.delete(destinationId);
    const kept = live.get(connection);
    if (kept === undefined) return;
    clearTimeout(kept.idleTimer);
    live.delete(connection);
    options.end(connection.client).catch(() => undefined);
  };

  return {
    find(destinationId, key, usable) {
      const connection = byDestination.get(destinationId);
      if (connection === undefined) return undefined;
      if (connection.key === key && live.has(connection) && usable(connection.client)) return connection;
      drop(destinationId, connection);
      return undefined;
    },
    add(destinationId, connection) {
      byDestination.set(destinationId, connection);
      live.set(connection, { inFlight: 0 });
    },
    use(destinationId, connection) {
      const kept = live.get(connection);
      if (kept === undefined) return () => undefined;
      kept.inFlight += 1;
      clearTimeout(kept.idleTimer);
      return () => {
        kept.inFlight -= 1;
        if (kept.inFlight > 0 || !live.has(connection)) return;
        kept.idleTimer = setTimeout(() => drop(destinationId, connection), options.idleMs);
        kept.idleTimer.unref();
      };
    },
    drop,
    async closeAll() {
      const all = [...live.keys()];
      for (const kept of live.values()) clearTimeout(kept.idleTimer);
      live.clear();
      byDestination.clear();
      await Promise.all(all.map((connection) => options.end(connection.client).catch(() => undefined)));
    },
    get size() {
      return live.size;
    },
  };
}

/** An attempt's failure, timed from `started` (performance.now()). */
export function failedAttempt(started: number, code: string, error: string): SendOutcome {
  return { result: { kind: 'error', code }, durationMs: Math.round(performance.now() - started), error };
}

/** A deadline for an attempt: `promise` rejects with `TimeoutError` after `ms`; `clear` stops it. */
export function attemptDeadline(ms: number): { readonly promise: Promise<never>; clear(): void } {
  let timer: NodeJS.Timeout | undefined;
  const promise = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new AttemptTimeoutError()), ms);
  });
  promise.catch(() => undefined);
  return { promise, clear: () => clearTimeout(timer) };
}

export class AttemptTimeoutError extends Error {}
