import net from 'node:net';

export interface RawAnswer {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
  /** The body parsed as JSON, or undefined when it is not JSON. */
  readonly json: unknown;
}

/**
 * Sends one HTTP/1.1 request byte for byte as given (a request target fetch would normalise,
 * an absolute-form target, a header no client library would send) and reads the answer until
 * the server closes. `head` is the request line and headers without the blank line; `body`
 * follows it. `pauseAfterHeadMs` waits before sending the body (a slow client).
 */
export async function rawRequest(
  port: number,
  head: string,
  options: {
    readonly body?: string;
    readonly pauseAfterHeadMs?: number;
    readonly timeoutMs?: number;
    /** Send `head` as it is, without the blank line that ends the headers (headers that never finish). */
    readonly unfinished?: boolean;
  } = {},
): Promise<RawAnswer> {
  const socket = net.connect(port, '127.0.0.1');
  const chunks: Buffer[] = [];
  const ended = new Promise<void>((resolve, reject) => {
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('end', resolve);
    socket.on('close', () => resolve());
    socket.on('error', (error: NodeJS.ErrnoException) => (error.code === 'ECONNRESET' ? resolve() : reject(error)));
  });
  const timeout = setTimeout(
    () => socket.destroy(new Error(`no complete answer within ${options.timeoutMs ?? 30_000} ms`)),
    options.timeoutMs ?? 30_000,
  );
  try {
    await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    const lines = head.includes('\r\nConnection:') ? head : `${head}\r\nConnection: close`;
    socket.write(options.unfinished === true ? head : `${lines}\r\n\r\n`);
    if (options.pauseAfterHeadMs !== undefined) await new Promise((resolve) => setTimeout(resolve, options.pauseAfterHeadMs));
    if (options.body !== undefined && !socket.destroyed) socket.write(options.body);
    await ended;
  } finally {
    clearTimeout(timeout);
    socket.destroy();
  }
  return parseAnswer(Buffer.concat(chunks).toString('utf8'));
}

function parseAnswer(text: string): RawAnswer {
  const split = text.indexOf('\r\n\r\n');
  if (split === -1) throw new Error(`not an HTTP answer: ${JSON.stringify(text.slice(0, 200))}`);
  const [statusLine = '', ...headerLines] = text.slice(0, split).split('\r\n');
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine)?.[1]);
  const headers: Record<string, string> = {};
  for (const line of headerLines) {
    const colon = line.indexOf(':');
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  let body = text.slice(split + 4);
  if (headers['transfer-encoding'] === 'chunked') body = unchunk(body);
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    json = undefined;
  }
  return { status, headers, body, json };
}

function unchunk(text: string): string {
  let out = '';
  let rest = text;
  for (;;) {
    const lineEnd = rest.indexOf('\r\n');
    const size = Number.parseInt(rest.slice(0, lineEnd), 16);
    if (!(size > 0)) return out;
    out += rest.slice(lineEnd + 2, lineEnd + 2 + size);
    rest = rest.slice(lineEnd + 2 + size + 2);
  }
}
