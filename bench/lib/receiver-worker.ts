import http from 'node:http';
import { workerData } from 'node:worker_threads';
import { epochNow, serveArrivals, signalReady, type SinkData } from './arrivals.js';

/**
 * A webhook receiver (a worker thread's entry, see receivers.ts): node:http on 127.0.0.1, 204 at
 * once. A request is keyed by its webhook-id header (one per delivery, repeated by a retry) or by
 * the event id its body carries.
 */
export interface ReceiverData extends SinkData {
  readonly key: 'webhook-id' | 'event-id';
}

const { key } = workerData as ReceiverData;
const eventIdPattern = /"id"\s*:\s*"([^"]*)"/;

const log = serveArrivals((done) => {
  server.closeAllConnections();
  server.close(() => done());
});

/** The start of a body: the event's "id" comes early in every body, so 256 bytes spare decoding the rest. */
function bodyHead(chunks: readonly Buffer[]): string {
  return (chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks)).toString('latin1', 0, 256);
}

const server = http.createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    // Counted before the answer: a sender that reads the count once answered must find its request in it.
    record(req, chunks, epochNow());
    res.writeHead(204);
    res.end();
  });
});
server.keepAliveTimeout = 60_000;

function record(req: http.IncomingMessage, chunks: readonly Buffer[], at: number): void {
  log.request();
  if (key === 'event-id') {
    const head = bodyHead(chunks);
    const eventId = eventIdPattern.exec(head)?.[1];
    if (eventId === undefined) log.note(`a body without an id: ${head.slice(0, 100)}`);
    else log.arrived(eventId, at, () => ({ eventId, path: req.url }));
    return;
  }
  const webhookId = req.headers['webhook-id'];
  if (typeof webhookId !== 'string') log.unkeyed();
  else log.arrived(webhookId, at, () => ({ eventId: eventIdPattern.exec(bodyHead(chunks))?.[1] ?? '', path: req.url }));
}
server.on('connection', () => log.connected());
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  signalReady(typeof address === 'object' && address !== null ? address.port : 0);
});
