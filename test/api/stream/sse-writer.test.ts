import { EventEmitter } from 'node:events';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createSseWriter, type SseSink, type SseWriterOptions } from '../../../api/stream/sse-writer.js';

/**
 * A response whose client reads nothing until told to: what is written waits in writableLength
 * (which a test may also set), `drain()` empties it as a client catching up would.
 */
class FakeSink extends EventEmitter implements SseSink {
  readonly chunks: string[] = [];
  writableLength = 0;
  destroyed = false;
  endCalls = 0;
  destroyCalls = 0;

  write(chunk: string): boolean {
    this.chunks.push(chunk);
    this.writableLength += Buffer.byteLength(chunk);
    return true;
  }

  end(): void {
    this.endCalls++;
  }

  destroy(): void {
    this.destroyCalls++;
    this.destroyed = true;
    this.emit('close');
  }

  drain(): void {
    this.writableLength = 0;
    this.emit('drain');
  }

  /** The client went away. */
  hangUp(): void {
    this.destroyed = true;
    this.emit('close');
  }
}

const maxBufferBytes = 1_000;
const heartbeatMs = 15_000;

function setup(overrides: Partial<SseWriterOptions> = {}) {
  const sink = new FakeSink();
  const onClose = vi.fn<SseWriterOptions['onClose']>();
  const writer = createSseWriter(sink, { maxBufferBytes, heartbeatMs, onClose, ...overrides });
  return { sink, writer, onClose };
}

/** Whether `promise` has settled once pending callbacks have run. */
async function hasSettled(promise: Promise<unknown>): Promise<boolean> {
  let settled = false;
  void promise.then(() => {
    settled = true;
  });
  for (let i = 0; i < 10; i++) await Promise.resolve();
  return settled;
}

function errorEventData(chunk: string | undefined): unknown {
  const match = /^event: error\ndata: (.*)\n\n$/.exec(chunk ?? '');
  if (!match) throw new Error(`not an error event: ${JSON.stringify(chunk)}`);
  return JSON.parse(match[1] as string);
}

describe('createSseWriter', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });

  afterEach(() => {
    vi.useRealTimers();
  });

  it('writes a retry line before anything else', () => {
    const { sink, writer } = setup();
    expect(sink.chunks).toEqual(['retry: 2000\n\n']);
    writer.send('evt_1', '{}');
    expect(sink.chunks[0]).toBe('retry: 2000\n\n');
  });

  it('frames each event as an id line and a data line ended by a blank line', () => {
    const { sink, writer } = setup();
    expect(writer.send('evt_1', '{"type":"invoice.paid"}')).toBe(true);
    expect(writer.send('evt_2', '{"type":"invoice.sent"}')).toBe(true);
    expect(sink.chunks.slice(1)).toEqual(['id: evt_1\ndata: {"type":"invoice.paid"}\n\n', 'id: evt_2\ndata: {"type":"invoice.sent"}\n\n']);
    expect(writer.closed).toBe(false);
  });

  it('sends a heartbeat comment every heartbeatMs', () => {
    const { sink } = setup();
    const heartbeats = () => sink.chunks.filter((chunk) => chunk === ': heartbeat\n\n').length;
    vi.advanceTimersByTime(heartbeatMs - 1);
    expect(heartbeats()).toBe(0);
    vi.advanceTimersByTime(1);
    expect(heartbeats()).toBe(1);
    vi.advanceTimersByTime(2 * heartbeatMs);
    expect(heartbeats()).toBe(3);
    expect(sink.chunks.at(-1)).toBe(': heartbeat\n\n');
  });

  it('keeps a client whose waiting bytes reach but do not pass maxBufferBytes', () => {
    const { sink, writer, onClose } = setup();
    const frame = 'id: evt_1\ndata: {}\n\n';
    sink.writableLength = maxBufferBytes - Buffer.byteLength(frame);
    expect(writer.send('evt_1', '{}')).toBe(true);
    expect(sink.writableLength).toBe(maxBufferBytes);
    expect(writer.closed).toBe(false);
    expect(sink.endCalls).toBe(0);
    expect(onClose).not.toHaveBeenCalled();
  });

  it('drops a client too slow to keep its waiting bytes under maxBufferBytes, with a final error event', () => {
    const { sink, writer, onClose } = setup();
    const data = JSON.stringify({ padding: 'x'.repeat(600) });
    expect(writer.send('evt_1', data)).toBe(true);
    expect(writer.send('evt_2', data)).toBe(false);

    expect(sink.chunks.at(-2)).toBe(`id: evt_2\ndata: ${data}\n\n`);
    expect(errorEventData(sink.chunks.at(-1))).toEqual({
      error: { type: 'api_error', code: 'client_too_slow', message: expect.stringContaining(`over ${maxBufferBytes} bytes`) },
    });
    expect(sink.endCalls).toBe(1);
    expect(writer.closed).toBe(true);
    expect(onClose).toHaveBeenCalledExactlyOnceWith('too_slow');
  });

  it('sends nothing more once it dropped a slow client', () => {
    const { sink, writer, onClose } = setup();
    sink.writableLength = maxBufferBytes;
    writer.send('evt_1', '{}');
    const written = sink.chunks.length;

    expect(writer.send('evt_2', '{}')).toBe(false);
    writer.fail('internal_error', 'late');
    vi.advanceTimersByTime(10 * heartbeatMs);
    sink.hangUp();

    expect(sink.chunks).toHaveLength(written);
    expect(sink.endCalls).toBe(1);
    expect(onClose).toHaveBeenCalledExactlyOnceWith('too_slow');
  });

  it('destroys a dropped client that has not gone after the grace period', () => {
    const { sink, writer } = setup();
    sink.writableLength = maxBufferBytes;
    writer.send('evt_1', '{}');
    vi.advanceTimersByTime(4_999);
    expect(sink.destroyCalls).toBe(0);
    vi.advanceTimersByTime(1);
    expect(sink.destroyCalls).toBe(1);
  });

  it('does not destroy a dropped client that went within the grace period', () => {
    const { sink, writer, onClose } = setup();
    sink.writableLength = maxBufferBytes;
    writer.send('evt_1', '{}');
    sink.hangUp();
    vi.advanceTimersByTime(10_000);
    expect(sink.destroyCalls).toBe(0);
    expect(onClose).toHaveBeenCalledExactlyOnceWith('too_slow');
  });

  it('closes with reason client when the client goes away, and stops sending', () => {
    const { sink, writer, onClose } = setup();
    sink.hangUp();
    expect(onClose).toHaveBeenCalledExactlyOnceWith('client');
    expect(writer.closed).toBe(true);
    expect(writer.send('evt_1', '{}')).toBe(false);
    vi.advanceTimersByTime(10 * heartbeatMs);
    expect(sink.chunks).toEqual(['retry: 2000\n\n']);
    sink.emit('close');
    expect(onClose).toHaveBeenCalledTimes(1);
  });

  it('ends the stream on fail with an error event, reason server, once', () => {
    const { sink, writer, onClose } = setup();
    writer.fail('service_unavailable', 'The event store is unreachable.');
    writer.fail('internal_error', 'again');
    expect(sink.chunks).toHaveLength(2);
    expect(errorEventData(sink.chunks[1])).toEqual({
      error: { type: 'api_error', code: 'service_unavailable', message: 'The event store is unreachable.' },
    });
    expect(sink.endCalls).toBe(1);
    expect(writer.closed).toBe(true);
    expect(onClose).toHaveBeenCalledExactlyOnceWith('server');
  });

  describe('drained', () => {
    it('resolves at once while less than half of maxBufferBytes waits', async () => {
      const { sink, writer } = setup();
      sink.writableLength = maxBufferBytes / 2 - 1;
      expect(await hasSettled(writer.drained())).toBe(true);
      expect(sink.listenerCount('drain')).toBe(0);
    });

    it('waits for drain from half of maxBufferBytes, then stops listening', async () => {
      const { sink, writer } = setup();
      const closeListeners = sink.listenerCount('close');
      sink.writableLength = maxBufferBytes / 2;
      const drained = writer.drained();
      expect(await hasSettled(drained)).toBe(false);
      sink.drain();
      expect(await hasSettled(drained)).toBe(true);
      expect(sink.listenerCount('drain')).toBe(0);
      expect(sink.listenerCount('close')).toBe(closeListeners);
    });

    it('stops waiting when the client goes away', async () => {
      const { sink, writer } = setup();
      sink.writableLength = maxBufferBytes;
      const drained = writer.drained();
      expect(await hasSettled(drained)).toBe(false);
      sink.hangUp();
      expect(await hasSettled(drained)).toBe(true);
      expect(sink.listenerCount('drain')).toBe(0);
    });

    it('resolves at once when the stream is closed', async () => {
      const { sink, writer } = setup();
      writer.fail('internal_error', 'gone');
      sink.writableLength = maxBufferBytes;
      expect(await hasSettled(writer.drained())).toBe(true);
    });
  });
});

describe('createSseWriter on a client already gone', () => {
  it('closes at once when the response was destroyed before the writer listened', async () => {
    const sink = new FakeSink();
    sink.destroyed = true;
    const onClose = vi.fn<SseWriterOptions['onClose']>();
    const writer = createSseWriter(sink, { maxBufferBytes, heartbeatMs, onClose });
    await Promise.resolve();
    expect(onClose).toHaveBeenCalledExactlyOnceWith('client');
    expect(writer.closed).toBe(true);
    expect(writer.send('evt_1', '{}')).toBe(false);
  });
});
