import { afterEach, describe, expect, it, vi } from 'vitest';
import { followEvents, type StreamState } from '../../console/src/sse';

/** A text/event-stream response whose body is the given chunks, then either its end or an error. */
function streamResponse(chunks: readonly string[], end: 'close' | 'error'): Response {
  const encoder = new TextEncoder();
  let next = 0;
  // One chunk per read, then the end: an error raised at once would discard what was queued.
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      const chunk = chunks[next++];
      if (chunk !== undefined) controller.enqueue(encoder.encode(chunk));
      else if (end === 'close') controller.close();
      else controller.error(new Error('connection reset'));
    },
  });
  return new Response(body, { status: 200, headers: { 'content-type': 'text/event-stream' } });
}

afterEach(() => {
  vi.unstubAllGlobals();
  vi.useRealTimers();
});

describe('console followEvents', () => {
  it('reconnects after a drop with Last-Event-ID set to the last event received, and the key in the header', async () => {
    vi.useFakeTimers();
    const requests: { url: string; headers: Record<string, string> }[] = [];
    const answers = [
      streamResponse(['id: evt_1\ndata: {"id":"evt_1"}\n\n', 'id: evt_2\ndata: {"id":"evt_2"}\n\n'], 'error'),
      streamResponse(['id: evt_3\ndata: {"id":"evt_3"}\n\n'], 'close'),
    ];
    vi.stubGlobal('fetch', (url: string, init: RequestInit) => {
      requests.push({ url, headers: init.headers as Record<string, string> });
      const answer = answers.shift();
      return answer ? Promise.resolve(answer) : new Promise<Response>(() => undefined);
    });
    const received: string[] = [];
    const states: StreamState[] = [];
    const stop = followEvents<{ id: string }>({
      key: 'evp_sk_test',
      params: { type: ['invoice.*'] },
      onEvent: (event) => received.push(event.id),
      onState: (state) => states.push(state),
    });
    await vi.advanceTimersByTimeAsync(1_100);
    await vi.advanceTimersByTimeAsync(2_100);
    stop();

    expect(received).toEqual(['evt_1', 'evt_2', 'evt_3']);
    expect(requests[0]?.url).toBe('/api/v1/events/stream?type=invoice.*');
    expect(requests[0]?.headers['authorization']).toBe('Bearer evp_sk_test');
    expect(requests[0]?.headers['last-event-id']).toBeUndefined();
    expect(requests[1]?.headers['last-event-id']).toBe('evt_2');
    expect(requests[2]?.headers['last-event-id']).toBe('evt_3');
    expect(states).toContain('reconnecting');
  });

  it('stops on a refused key and says so', async () => {
    vi.stubGlobal('fetch', () =>
      Promise.resolve(new Response(JSON.stringify({ error: { message: 'Invalid API key (unknown or revoked).' } }), { status: 401 })),
    );
    let unauthorized = 0;
    const states: [StreamState, string | undefined][] = [];
    followEvents({
      key: 'evp_sk_revoked',
      params: {},
      onEvent: () => undefined,
      onState: (state, detail) => states.push([state, detail]),
      onUnauthorized: () => unauthorized++,
    });
    await vi.waitFor(() => expect(states.at(-1)?.[0]).toBe('stopped'));
    expect(unauthorized).toBe(1);
    expect(states.at(-1)?.[1]).toBe('Invalid API key (unknown or revoked).');
  });

  it('keeps trying after a 429 (a live-tail cap or a rate limit), saying why, and follows once a slot is free', async () => {
    vi.useFakeTimers();
    const limited = () =>
      new Response(JSON.stringify({ error: { code: 'stream_limit_reached', message: 'Too many live tails open for this key' } }), {
        status: 429,
      });
    const answers = [limited(), limited(), streamResponse(['id: evt_1\ndata: {"id":"evt_1"}\n\n'], 'close')];
    vi.stubGlobal('fetch', () => {
      const answer = answers.shift();
      return answer ? Promise.resolve(answer) : new Promise<Response>(() => undefined);
    });
    const received: string[] = [];
    const states: [StreamState, string | undefined][] = [];
    const stop = followEvents<{ id: string }>({
      key: 'evp_sk_test',
      params: {},
      onEvent: (event) => received.push(event.id),
      onState: (state, detail) => states.push([state, detail]),
    });
    await vi.advanceTimersByTimeAsync(1_100);
    await vi.advanceTimersByTimeAsync(2_100);
    const before = states.map(([state]) => state);
    stop();
    expect(received).toEqual(['evt_1']);
    expect(before).not.toContain('stopped');
    expect(states).toContainEqual(['reconnecting', 'Too many live tails open for this key']);
  });
});
