import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createDestinationSlots } from '../../../consumers/streamer/slots.js';
import type { SendingDestination } from '../../../store/load-destinations.js';

const destination = (id: string, maxConcurrency: number | null, rateLimitPerSecond: number | null) =>
  ({ id, maxConcurrency, rateLimitPerSecond }) as SendingDestination;

describe('destination slots', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('gives free concurrency slots, its own limit or the default', () => {
    const slots = createDestinationSlots(3);
    const own = destination('dst_a', 2, null);
    expect(slots.room(own)).toEqual({ slots: 2 });
    expect(slots.take(own)).toBe(1);
    expect(slots.take(own)).toBe(2);
    expect(slots.room(own)).toEqual({ slots: 0 });
    expect(slots.give('dst_a')).toBe(1);
    expect(slots.room(own)).toEqual({ slots: 1 });
    expect(slots.room(destination('dst_b', null, null))).toEqual({ slots: 3 });
  });

  it('says how long until a token is back when only the rate limit stands in the way', () => {
    const slots = createDestinationSlots(10);
    const limited = destination('dst_rate', null, 4);
    expect(slots.room(limited)).toEqual({ slots: 4 });
    for (let i = 0; i < 4; i++) slots.take(limited);
    for (let i = 0; i < 4; i++) slots.give('dst_rate');
    expect(slots.room(limited)).toEqual({ slots: 0, waitMs: 250 });
    vi.advanceTimersByTime(250);
    expect(slots.room(limited)).toEqual({ slots: 1 });
  });

  it('forgets idle destinations that are gone, never one with an attempt in flight', () => {
    const slots = createDestinationSlots(10);
    slots.take(destination('dst_busy', null, null));
    slots.room(destination('dst_idle', null, null));
    slots.room(destination('dst_kept', null, null));
    expect(slots.forget((id) => id === 'dst_kept')).toEqual(['dst_idle']);
  });
});
