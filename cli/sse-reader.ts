import { InputError } from '../adapters/errors.js';

/** One Server-Sent Events message: `event` is `message` unless the server named another. */
export interface SseMessage {
  readonly event: string;
  readonly data: string;
  readonly id: string | undefined;
}

export interface SseOptions {
  readonly key: string;
  readonly lastEventId?: string | undefined;
  readonly signal: AbortSignal;
}

/**
 * Follows an API live tail (text/event-stream) and yields its messages until the server ends it.
 * A refusal the caller must fix (4xx but 429: a bad key, a missing scope, a bad filter) is an
 * InputError; anything else, a dropped connection included, is an Error to resume after.
 */
export async function* readSse(url: string, options: SseOptions): AsyncGenerator<SseMessage> {
  const response = await fetch(url, {
    headers: {
      authorization: `Bearer ${options.key}`,
      accept: 'text/event-stream',
      ...(options.lastEventId === undefined ? {} : { 'last-event-id': options.lastEventId }),
    },
    signal: options.signal,
  });
  if (!response.ok || response.body === null) {
    const text = await response.text();
    const message = errorMessageOf(text);
    const why = `the API refused the live tail (HTTP ${response.status}): ${message}`;
    if (response.status >= 400 && response.status < 500 && response.status !== 429) throw new InputError(why);
    throw new Error(why);
  }
  let buffer = '';
  let fields: { event: string; data: string[]; id: string | undefined } = { event: 'message', data: [], id: undefined };
  const decoder = new TextDecoder();
  for await (const chunk of response.body) {
    buffer += decoder.decode(chunk as Uint8Array, { stream: true });
    let end: number;
    while ((end = buffer.search(/\r\n|\n|\r/)) >= 0) {
      const line = buffer.slice(0, end);
      buffer = buffer.slice(end + (buffer.startsWith('\r\n', end) ? 2 : 1));
      if (line === '') {
        if (fields.data.length > 0) yield { event: fields.event, data: fields.data.join('\n'), id: fields.id };
        fields = { event: 'message', data: [], id: undefined };
        continue;
      }
      if (line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const name = colon < 0 ? line : line.slice(0, colon);
      const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
      if (name === 'data') fields.data.push(value);
      else if (name === 'event') fields.event = value;
      else if (name === 'id') fields.id = value;
    }
  }
  throw new Error('the API closed the live tail');
}

function errorMessageOf(text: string): string {
  try {
    return (JSON.parse(text) as { error?: { message?: string } }).error?.message ?? text.slice(0, 200);
  } catch {
    return text.slice(0, 200);
  }
}
