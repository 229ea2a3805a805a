import type { EventLoopUtilization } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import type { Arrivals, SinkData, SinkMessage, SinkRequest } from './arrivals.js';
import type { FollowerData } from './follower-worker.js';
import type { ReceiverData } from './receiver-worker.js';

export type { Arrivals } from './arrivals.js';

/**
 * The ends the bench measures arrivals at, each in a worker thread of its own (so neither shares
 * the pipeline's event loop): a webhook receiver and a client of the Events API's live tail.
 */
export interface Sink {
  /** The receiver's HTTP port (0 for the follower). */
  readonly port: number;
  /** Distinct arrivals since the last reset. */
  count(): number;
  /** Forgets what arrived; without `record` only the count is kept (nothing for `collect`). */
  reset(record?: boolean): Promise<void>;
  collect(): Promise<Arrivals>;
  /** The worker thread's, as `performance.eventLoopUtilization` gives it. */
  eventLoopUtilization(previous?: EventLoopUtilization): EventLoopUtilization;
  close(): Promise<void>;
}

/** node:http on 127.0.0.1, 204 at once; an arrival per distinct webhook-id or event id. */
export function startReceiver(key: ReceiverData['key']): Promise<Sink> {
  return startSink<ReceiverData>('receiver-worker.ts', { key });
}

/** Follows `url` (the live tail) with API key `key`; an arrival per distinct event id. */
export function startFollower(url: string, key: string): Promise<Sink> {
  return startSink<FollowerData>('follower-worker.ts', { url, key });
}

/**
 * Node 20 applies no module hooks to a worker's entry file, so every sink worker starts from this
 * line: tsx registered in the worker, then its TypeScript entry imported.
 */
const loadEntry =
  "const { workerData } = require('node:worker_threads'); import(workerData.tsx).then((tsx) => { tsx.register(); return import(workerData.entry); });";

async function startSink<T extends SinkData>(file: string, data: Omit<T, 'counts'>): Promise<Sink> {
  const counts = new Int32Array(new SharedArrayBuffer(4));
  const worker = new Worker(loadEntry, {
    eval: true,
    workerData: { ...data, counts: counts.buffer, tsx: import.meta.resolve('tsx/esm/api'), entry: new URL(file, import.meta.url).href },
  });
  worker.unref();
  const next = <K extends SinkMessage['type']>(type: K, timeoutMs = 60_000) =>
    new Promise<Extract<SinkMessage, { type: K }>>((resolve, reject) => {
      const timer = setTimeout(() => finish(new Error(`the worker did not answer ${type} within ${timeoutMs / 1000} s`)), timeoutMs);
      const onMessage = (message: SinkMessage) => {
        if (message.type === type) finish(undefined, message as Extract<SinkMessage, { type: K }>);
      };
      const finish = (error: Error | undefined, message?: Extract<SinkMessage, { type: K }>) => {
        clearTimeout(timer);
        worker.off('message', onMessage);
        worker.off('error', finish);
        if (error) reject(error);
        else resolve(message as Extract<SinkMessage, { type: K }>);
      };
      worker.on('message', onMessage);
      worker.once('error', finish);
    });
  const ask = (request: SinkRequest) => worker.postMessage(request);
  const ready = await next('ready').catch(async (error: unknown) => {
    await worker.terminate();
    throw error;
  });
  let closed = false;
  return {
    port: ready.port,
    count: () => Atomics.load(counts, 0),
    async reset(record = true) {
      const done = next('reset');
      ask({ type: 'reset', record });
      await done;
    },
    async collect() {
      const done = next('collected');
      ask({ type: 'collect' });
      const { type: _type, ...arrivals } = await done;
      return arrivals;
    },
    eventLoopUtilization: (previous) => worker.performance.eventLoopUtilization(previous),
    async close() {
      if (closed) return;
      closed = true;
      const done = next('closed', 2_000).catch(() => undefined);
      ask({ type: 'close' });
      await done;
      await worker.terminate();
    },
  };
}

/** Each distinct event id's first arrival (ms since the epoch). */
export function arrivalTimes(arrivals: Arrivals): Map<string, number> {
  return new Map(arrivals.eventIds.map((id, i) => [id, arrivals.times[i] as number]));
}
