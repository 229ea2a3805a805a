import { performance } from 'node:perf_hooks';
import { parentPort, workerData } from 'node:worker_threads';

/**
 * The worker side of a bench sink (receiver-worker.ts, follower-worker.ts): what arrived, keyed
 * by whatever identifies one arrival (a webhook-id, an event id). The count of distinct keys is
 * kept in shared memory, so the main thread reads it without a round trip; the rest is posted
 * when asked for. Runs in a worker thread of its own, so its work never shares the pipeline's
 * event loop.
 */

/** What every sink worker is given; each adds its own fields. */
export interface SinkData {
  /** Int32Array's buffer: [0] distinct keys arrived since the last reset. */
  readonly counts: SharedArrayBuffer;
}

/** What a sink has seen since its last reset. */
export interface Arrivals {
  /** Per distinct key, in arrival order: the event id the arrival carried and its time (ms since the epoch). */
  readonly eventIds: readonly string[];
  readonly times: Float64Array;
  /** Requests answered (receiver). */
  readonly requests: number;
  /** Arrivals whose key had arrived before: a webhook retried, an event repeated after a reconnect. */
  readonly repeated: number;
  /** Distinct keys per request path (receiver). */
  readonly paths: Readonly<Record<string, number>>;
  /** Connections made to it (receiver) or by it (follower) since it started. */
  readonly connects: number;
  /** The first 20 oddities since it started, timestamped. */
  readonly notes: readonly string[];
}

export type SinkRequest = { readonly type: 'reset'; readonly record: boolean } | { readonly type: 'collect' } | { readonly type: 'close' };

export type SinkMessage =
  | { readonly type: 'ready'; readonly port: number }
  | { readonly type: 'reset' }
  | ({ readonly type: 'collected' } & Arrivals)
  | { readonly type: 'closed' };

/** The event an arrival carried, and where it came (receiver). */
export interface Carried {
  readonly eventId: string;
  readonly path?: string | undefined;
}

export interface ArrivalLog {
  /** One arrival at `at`, counted once per `key`; what it carried is read only when it is recorded. */
  arrived(key: string, at: number, carried: () => Carried): void;
  /** An arrival with nothing to key it by: counted as a repeat. */
  unkeyed(): void;
  request(): void;
  connected(): void;
  note(text: string): void;
}

function port(): NonNullable<typeof parentPort> {
  if (!parentPort) throw new Error('a bench sink runs in a worker thread');
  return parentPort;
}

/** The arrival log, answering the main thread's reset, collect and close; `close` is the sink's own. */
export function serveArrivals(close: (done: () => void) => void): ArrivalLog {
  const parent = port();
  const counts = new Int32Array((workerData as SinkData).counts);
  let record = true;
  let seen = new Set<string>();
  let eventIds: string[] = [];
  let times: number[] = [];
  let requests = 0;
  let repeated = 0;
  let paths = new Map<string, number>();
  let connects = 0;
  const notes: string[] = [];
  const post = (message: SinkMessage) => parent.postMessage(message);
  parent.on('message', (message: SinkRequest) => {
    if (message.type === 'reset') {
      record = message.record;
      seen = new Set();
      eventIds = [];
      times = [];
      requests = 0;
      repeated = 0;
      paths = new Map();
      Atomics.store(counts, 0, 0);
      post({ type: 'reset' });
    } else if (message.type === 'collect') {
      const collected = {
        eventIds,
        times: Float64Array.from(times),
        requests,
        repeated,
        paths: Object.fromEntries(paths),
        connects,
        notes,
      };
      post({ type: 'collected', ...collected });
    } else {
      close(() => post({ type: 'closed' }));
    }
  });
  return {
    arrived(key, at, carried) {
      if (seen.has(key)) {
        repeated++;
        return;
      }
      seen.add(key);
      Atomics.add(counts, 0, 1);
      if (!record) return;
      const { eventId, path } = carried();
      eventIds.push(eventId);
      times.push(at);
      if (path !== undefined) paths.set(path, (paths.get(path) ?? 0) + 1);
    },
    unkeyed() {
      repeated++;
    },
    request() {
      requests++;
    },
    connected() {
      connects++;
    },
    note(text) {
      if (notes.length < 20) notes.push(`${new Date().toISOString()} ${text}`);
    },
  };
}

/** Tells the main thread the sink is up (`port`: its HTTP port, 0 for a client). */
export function signalReady(listening: number): void {
  port().postMessage({ type: 'ready', port: listening } satisfies SinkMessage);
}

/** Now, in ms since the epoch, to the microsecond: the clock arrivals are timed by, in every thread. */
export function epochNow(): number {
  return performance.timeOrigin + performance.now();
}
