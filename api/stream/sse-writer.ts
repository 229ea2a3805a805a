/** The part of a response (an http.ServerResponse) the writer uses. */
export interface SseSink {
  write(chunk: string): boolean;
  readonly writableLength: number;
  readonly destroyed: boolean;
  end(): void;
  destroy(): void;
  once(event: 'close' | 'drain', listener: () => void): unknown;
  off(event: 'close' | 'drain', listener: () => void): unknown;
}

export interface SseWriterOptions {
  /** Bytes a client may have waiting in the server's buffer before it is dropped. */
  readonly maxBufferBytes: number;
  /** A comment line is sent this often so proxies and clients know the stream is alive. */
  readonly heartbeatMs: number;
  /** Called once when the stream ends, whoever ended it. */
  readonly onClose: (reason: 'client' | 'too_slow' | 'server') => void;
}

export interface SseWriter {
  /** Sends one event; false once the stream is closed (or was just closed for being too slow). */
  send(id: string, data: string): boolean;
  /** Waits until the client has taken what was sent (for catch-up, which may pace itself). */
  drained(): Promise<void>;
  /** Ends the stream with a final `error` event. */
  fail(code: string, message: string): void;
  readonly closed: boolean;
}

/**
 * Server-Sent Events on a response, with a bound on memory: a client that does not read fast
 * enough to keep what waits for it under maxBufferBytes gets a final `error` event and is
 * disconnected, instead of the server buffering without limit. It reconnects with Last-Event-ID
 * and resumes where it was.
 */
export function createSseWriter(sink: SseSink, options: SseWriterOptions): SseWriter {
  let closed = false;
  const finish = (reason: 'client' | 'too_slow' | 'server') => {
    if (closed) return;
    closed = true;
    clearInterval(heartbeat);
    options.onClose(reason);
  };
  const heartbeat = setInterval(() => {
    if (!closed) sink.write(': heartbeat\n\n');
  }, options.heartbeatMs);
  heartbeat.unref();
  sink.once('close', () => finish('client'));
  // Gone before we started listening: its 'close' has been and will not come again.
  if (sink.destroyed) queueMicrotask(() => finish('client'));

  const end = (reason: 'too_slow' | 'server', code: string, message: string) => {
    if (closed) return;
    sink.write(`event: error\ndata: ${JSON.stringify({ error: { type: 'api_error', code, message } })}\n\n`);
    finish(reason);
    sink.end();
    // A client that reads nothing would keep the buffer forever: let it go after a grace period.
    setTimeout(() => {
      if (!sink.destroyed) sink.destroy();
    }, 5_000).unref();
  };

  sink.write('retry: 2000\n\n');
  return {
    send(id, data) {
      if (closed) return false;
      sink.write(`id: ${id}\ndata: ${data}\n\n`);
      if (sink.writableLength > options.maxBufferBytes) {
        end(
          'too_slow',
          'client_too_slow',
          `The client read too slowly (over ${options.maxBufferBytes} bytes waiting); reconnect with Last-Event-ID to resume.`,
        );
        return false;
      }
      return true;
    },
    async drained() {
      if (closed || sink.writableLength < options.maxBufferBytes / 2) return;
      await new Promise<void>((resolve) => {
        const done = () => {
          sink.off('drain', done);
          sink.off('close', done);
          resolve();
        };
        sink.once('drain', done);
        sink.once('close', done);
      });
    },
    fail(code, message) {
      end('server', code, message);
    },
    get closed() {
      return closed;
    },
  };
}
