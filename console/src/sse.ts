import { queryString, type Params } from './api';

/**
 * Follows `/api/v1/events/stream`. Browsers' EventSource cannot send an Authorization header, so
 * this reads the text/event-stream with fetch and parses it as the SSE spec says, reconnecting
 * with `Last-Event-ID` after a drop (the API then replays what was missed, without gaps or
 * repeats) and backing off up to 15 s.
 */

export type StreamState = 'connecting' | 'live' | 'reconnecting' | 'stopped';

export interface SseMessage {
  readonly id: string | undefined;
  readonly event: string;
  readonly data: string;
}

/** Splits a text/event-stream into messages; `push` returns the ones completed by a chunk. */
export function createSseParser(): { push(chunk: string): SseMessage[] } {
  let buffer = '';
  let data: string[] = [];
  let event = '';
  let id: string | undefined;
  return {
    push(chunk) {
      buffer += chunk;
      const out: SseMessage[] = [];
      let newline: number;
      while ((newline = buffer.search(/\r\n|\r|\n/)) >= 0) {
        // A CR at the very end may be the first half of a CRLF split across two chunks.
        if (newline === buffer.length - 1 && buffer.endsWith('\r')) break;
        const line = buffer.slice(0, newline);
        buffer = buffer.slice(newline + (buffer.startsWith('\r\n', newline) ? 2 : 1));
        if (line === '') {
          if (data.length > 0) out.push({ id, event: event || 'message', data: data.join('\n') });
          data = [];
          event = '';
          continue;
        }
        if (line.startsWith(':')) continue;
        const colon = line.indexOf(':');
        const field = colon < 0 ? line : line.slice(0, colon);
        const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
        if (field === 'data') data.push(value);
        else if (field === 'event') event = value;
        else if (field === 'id') id = value;
      }
      return out;
    },
  };
}

export interface FollowOptions<T> {
  readonly key: string;
  readonly params: Params;
  readonly onEvent: (event: T) => void;
  readonly onState: (state: StreamState, detail?: string) => void;
  /** Resume after this event id; undefined: only what arrives from now on. */
  readonly lastEventId?: string | undefined;
  /** The key was refused (revoked while following). */
  readonly onUnauthorized?: () => void;
  /** Reconnect when nothing (not even the 15 s heartbeat) arrived for this long. @defaultValue 45 s */
  readonly silenceMs?: number;
}

/** The API's `{ error: { message } }` text, or the text itself. */
function errorMessage(text: string): string {
  try {
    const parsed = JSON.parse(text) as { error?: { message?: string } };
    return parsed.error?.message ?? text;
  } catch {
    return text;
  }
}

/** Starts following; the returned function stops. */
export function followEvents<T>(options: FollowOptions<T>): () => void {
  const controller = new AbortController();
  let lastId = options.lastEventId;
  let delayMs = 1_000;

  const silenceMs = options.silenceMs ?? 45_000;

  const connect = async (): Promise<void> => {
    // One controller per connection: the watchdog aborts a silent (half-open) one, stop() all.
    const connection = new AbortController();
    const stop = () => connection.abort();
    controller.signal.addEventListener('abort', stop);
    let heard = Date.now();
    const watchdog = setInterval(() => {
      if (Date.now() - heard > silenceMs) connection.abort();
    }, 1_000);
    try {
      await read(connection.signal, () => (heard = Date.now()));
    } catch (error) {
      if (connection.signal.aborted && !controller.signal.aborted) throw new Error('the stream went silent', { cause: error });
      throw error;
    } finally {
      clearInterval(watchdog);
      controller.signal.removeEventListener('abort', stop);
    }
  };

  const read = async (signal: AbortSignal, heardSomething: () => void): Promise<void> => {
    const response = await fetch(`/api/v1/events/stream${queryString(options.params)}`, {
      headers: {
        authorization: `Bearer ${options.key}`,
        accept: 'text/event-stream',
        ...(lastId === undefined ? {} : { 'last-event-id': lastId }),
      },
      signal,
    });
    if (response.status === 401) options.onUnauthorized?.();
    if (!response.ok || !response.body) {
      const body = (await response.json().catch(() => undefined)) as { error?: { message?: string } } | undefined;
      const message = body?.error?.message ?? `the stream answered ${response.status}`;
      // A 4xx will not get better by retrying (bad filter, revoked key), except a 429: a rate
      // limit's window ends, and a live-tail slot frees when another tab closes its tail.
      if (response.status >= 400 && response.status < 500 && response.status !== 429)
        throw Object.assign(new Error(message), { final: true });
      throw new Error(message);
    }
    options.onState('live');
    delayMs = 1_000;
    const parser = createSseParser();
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      heardSomething();
      for (const message of parser.push(value)) {
        if (message.event === 'error') throw new Error(errorMessage(message.data));
        if (message.event !== 'message') continue;
        lastId = message.id ?? lastId;
        options.onEvent(JSON.parse(message.data) as T);
      }
    }
  };

  void (async () => {
    options.onState('connecting');
    while (!controller.signal.aborted) {
      try {
        await connect();
        if (controller.signal.aborted) break;
        options.onState('reconnecting', 'the stream ended');
      } catch (error) {
        if (controller.signal.aborted) break;
        const message = error instanceof Error ? error.message : String(error);
        if ((error as { final?: boolean }).final) {
          options.onState('stopped', message);
          return;
        }
        options.onState('reconnecting', message);
      }
      await new Promise((resolve) => setTimeout(resolve, delayMs));
      delayMs = Math.min(delayMs * 2, 15_000);
    }
  })();

  return () => {
    controller.abort();
    options.onState('stopped');
  };
}
