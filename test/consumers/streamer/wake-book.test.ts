import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createWakeBook } from '../../../consumers/streamer/wake-book.js';

describe('wake book', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('starts with a scan, then hands over what was wanted once', () => {
    const onWake = vi.fn();
    const book = createWakeBook(onWake);
    expect(book.take()).toEqual({ destinationIds: [], scan: true });
    book.want(['dst_a', 'dst_b', 'dst_a']);
    expect(onWake).toHaveBeenCalledTimes(1);
    expect(book.take()).toEqual({ destinationIds: ['dst_a', 'dst_b'], scan: false });
    expect(book.take()).toEqual({ destinationIds: [], scan: false });
    book.wantAll();
    expect(book.take().scan).toBe(true);
  });

  it('wants a destination at each time asked for, once per time', () => {
    const onWake = vi.fn();
    const book = createWakeBook(onWake);
    book.take();
    book.at('dst_a', Date.now() + 500);
    book.at('dst_a', Date.now() + 200);
    book.at('dst_a', Date.now() + 500);
    book.at('dst_b', Date.now() + 300);
    vi.advanceTimersByTime(199);
    expect(onWake).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(book.take().destinationIds).toEqual(['dst_a']);
    vi.advanceTimersByTime(100);
    expect(book.take().destinationIds).toEqual(['dst_b']);
    vi.advanceTimersByTime(200);
    expect(book.take().destinationIds).toEqual(['dst_a']);
    vi.advanceTimersByTime(1_000);
    expect(onWake).toHaveBeenCalledTimes(3);
    expect(book.take().destinationIds).toEqual([]);
  });

  it('scans at the earliest time asked for', () => {
    const onWake = vi.fn();
    const book = createWakeBook(onWake);
    book.take();
    book.scanAt(Date.now() + 300);
    book.scanAt(Date.now() + 100);
    vi.advanceTimersByTime(100);
    expect(book.take().scan).toBe(true);
    vi.advanceTimersByTime(500);
    expect(book.take().scan).toBe(false);
  });

  it('does nothing once closed', () => {
    const onWake = vi.fn();
    const book = createWakeBook(onWake);
    book.take();
    book.at('dst_a', Date.now() + 100);
    book.scanAt(Date.now() + 100);
    book.close();
    book.want(['dst_b']);
    book.wantAll();
    vi.advanceTimersByTime(1_000);
    expect(onWake).not.toHaveBeenCalled();
    expect(book.take()).toEqual({ destinationIds: [], scan: false });
  });
});
