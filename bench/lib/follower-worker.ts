import { setTimeout as sleep } from 'node:timers/promises';
import { workerData } from 'node:worker_threads';
import { epochNow, serveArrivals, signalReady, type SinkData } from './arrivals.js';

/**
 * An SSE client of the Events API's live tail (a worker thread's entry, see receivers.ts): reads
 * the stream as it comes, one arrival per `id:` line, at the time the chunk holding the whole
 * event was read. On a drop (client_too_slow, a failure) it reconnects with Last-Event-ID, as
 * EventSource does, and the API resumes without a gap.
 */
export interface FollowerData extends SinkData {
  readonly url: string;
  /** The API key. */
  readonly key: string;
}

const { url, key } = workerData as FollowerData;
let closing = false;
let controller: AbortController | undefined;
let lastId: string | undefined;
let ready = false;

const log = serveArrivals((done) => {
  closing = true;
  controller?.abort();
  done();
});

/** Logs the arrivals in `buffer`'s complete events; returns what is left of an incomplete one. */
function readEvents(buffer: string, at: number): string {
  let start = 0;
  let end: number;
  while ((end = buffer.indexOf('\n\n', start)) !== -1) {
    if (buffer.startsWith('id: ', start)) {
      const newline = Math.min(buffer.indexOf('\n', start), end);
      const id = buffer.slice(start + 4, newline);
      lastId = id;
      log.arrived(id, at, () => ({ eventId: id }));
    } else if (buffer.startsWith('event: error', start)) {
      log.note(buffer.slice(start, Math.min(end, start + 300)));
    }
    start = end + 2;
  }
  return buffer.slice(start);
}

async function follow(): Promise<void> {
  while (!closing) {
    controller = new AbortController();
    try {
      const headers: Record<string, string> = { authorization: `Bearer ${key}`, accept: 'text/event-stream' };
      if (lastId !== undefined) headers['last-event-id'] = lastId;
      const response = await fetch(url, { headers, signal: controller.signal });
      if (response.status !== 200 || !response.body) {
        log.note(`HTTP ${response.status}: ${(await response.text()).slice(0, 300)}`);
        await sleep(500);
        continue;
      }
      log.connected();
      if (!ready) {
        ready = true;
        signalReady(0);
      }
      const decoder = new TextDecoder();
      let buffer = '';
      for await (const chunk of response.body as AsyncIterable<Uint8Array>) {
        const at = epochNow();
        buffer = readEvents(buffer + decoder.decode(chunk, { stream: true }), at);
      }
      if (!closing) log.note('the stream ended; reconnecting');
    } catch (error) {
      if (closing) break;
      log.note(`the stream failed: ${(error as Error).message}; reconnecting`);
      await sleep(200);
    }
  }
}

void follow();
