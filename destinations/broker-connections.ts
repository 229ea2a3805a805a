import { performance } from 'node:perf_hooks';
import type { Logger } from '../adapters/logger.js';
import type { Endpoint } from '../core/endpoint-rules.js';
import { resolveAll, vetEndpoint, type ResolveHost, type VettedAddress } from './endpoint-guard.js';
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
  /**
   * The destination's connection opened with `key` and still `usable` (another one it has is
   * closed), or a new one from `open`, given the address vetted by the host rules; the outcome of
   * the attempt when the host is refused or the sender closed meanwhile.
   */
  acquire(
    request: BrokerRequest,
    endpoint: Endpoint,
    key: string,
    usable: (client: Client) => boolean,
    open: (vetted: VettedAddress) => BrokerConnection<Client>,
  ): Promise<BrokerConnection<Client> | SendOutcome>;
  /** Marks the connection in use; the returned function ends the use, and the idle period starts with the last one. */
  use(destinationId: string, connection: BrokerConnection<Client>): () => void;
  /** Closes a connection that failed, or the destination's (released). */
  drop(destinationId: string, connection?: BrokerConnection<Client>): void;
  /** The sender over these connections, `send` being the type's attempt. */
  sender<Request extends BrokerRequest>(send: (request: Request) => Promise<SendOutcome>): BrokerSender<Request>;
  /** The attempt's outcome once the sender is closed, or undefined while it is open. */
  refusedWhenClosed(started: number): SendOutcome | undefined;
}

interface Kept {
  inFlight: number;
  idleTimer?: NodeJS.Timeout | undefined;
}

export function createBrokerConnections<Client>(
  options: BrokerSenderOptions & {
    /** How the delivery log names the sender: `Redis`, `MQTT`. */
    readonly label: string;
    /** Closes a client at once; what was in flight on it fails. */
    readonly end: (client: Client) => Promise<void>;
  },
): BrokerConnections<Client> {
  const idleMs = options.idleMs ?? 60_000;
  const allowedHosts = new Set(options.allowedHosts);
  const resolveHost = options.resolveHost ?? resolveAll;
  let closed = false;
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

  const find = (destinationId: string, key: string, usable: (client: Client) => boolean) => {
    const connection = byDestination.get(destinationId);
    if (connection === undefined) return undefined;
    if (connection.key === key && live.has(connection) && usable(connection.client)) return connection;
    drop(destinationId, connection);
    return undefined;
  };

  const refusedWhenClosed = (started: number): SendOutcome | undefined =>
    closed ? failedAttempt(started, 'sender_closed', `the ${options.label} sender is closed`) : undefined;

  return {
    async acquire(request, endpoint, key, usable, open) {
      const started = performance.now();
      const found = find(request.destinationId, key, usable);
      if (found !== undefined) return found;
      const vetted = await vetEndpoint(endpoint, allowedHosts, resolveHost);
      if ('refusal' in vetted) return failedAttempt(started, vetted.refusal.code, vetted.refusal.message);
      const refused = refusedWhenClosed(started);
      if (refused !== undefined) return refused;
      // Another attempt of the destination may have opened one meanwhile.
      const opened = find(request.destinationId, key, usable);
      if (opened !== undefined) return opened;
      const connection = open(vetted);
      byDestination.set(request.destinationId, connection);
      live.set(connection, { inFlight: 0 });
      return connection;
    },
    use(destinationId, connection) {
      const kept = live.get(connection);
      if (kept === undefined) return () => undefined;
      kept.inFlight += 1;
      clearTimeout(kept.idleTimer);
      return () => {
        kept.inFlight -= 1;
        if (kept.inFlight > 0 || !live.has(connection)) return;
        kept.idleTimer = setTimeout(() => drop(destinationId, connection), idleMs);
        kept.idleTimer.unref();
      };
    },
    drop,
    refusedWhenClosed,
    sender: (send) => ({
      send,
      release: (destinationId) => drop(destinationId),
      async close() {
        closed = true;
        const all = [...live.keys()];
        for (const kept of live.values()) clearTimeout(kept.idleTimer);
        live.clear();
        byDestination.clear();
        await Promise.all(all.map((connection) => options.end(connection.client).catch(() => undefined)));
      },
      openConnections: () => live.size,
    }),
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
