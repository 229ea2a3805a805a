import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createClaimedAhead } from '../../../consumers/streamer/claimed-ahead.js';
import type { ClaimedDelivery } from '../../../store/claim-deliveries.js';

const delivery = (id: string) => ({ id, timesAttempted: 1 }) as ClaimedDelivery;

describe('deliveries claimed ahead', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('hands them out per destination, oldest claim first', () => {
    const ahead = createClaimedAhead({ maxAgeMs: 1_000, onStale: () => undefined });
    ahead.put('dst_a', [delivery('dlv_1'), delivery('dlv_2')]);
    ahead.put('dst_b', [delivery('dlv_3')]);
    ahead.put('dst_a', [delivery('dlv_4')]);
    expect(ahead.size('dst_a')).toBe(3);
    expect(ahead.take('dst_a', 2).map((d) => d.id)).toEqual(['dlv_1', 'dlv_2']);
    expect(ahead.take('dst_a', 5).map((d) => d.id)).toEqual(['dlv_4']);
    expect(ahead.take('dst_a', 1)).toEqual([]);
    expect(ahead.size('dst_b')).toBe(1);
  });

  it('hands back instead of out those that waited too long', () => {
    const onStale = vi.fn();
    const ahead = createClaimedAhead({ maxAgeMs: 1_000, onStale });
    ahead.put('dst_a', [delivery('dlv_old')]);
    vi.advanceTimersByTime(1_001);
    ahead.put('dst_a', [delivery('dlv_new')]);
    expect(ahead.take('dst_a', 2).map((d) => d.id)).toEqual(['dlv_new']);
    expect(onStale).toHaveBeenCalledWith([expect.objectContaining({ id: 'dlv_old' })]);
  });

  it('drains one destination or all', () => {
    const ahead = createClaimedAhead({ maxAgeMs: 1_000, onStale: () => undefined });
    ahead.put('dst_a', [delivery('dlv_1')]);
    ahead.put('dst_b', [delivery('dlv_2'), delivery('dlv_3')]);
    expect(ahead.drain('dst_a').map((d) => d.id)).toEqual(['dlv_1']);
    expect(ahead.drain().map((d) => d.id)).toEqual(['dlv_2', 'dlv_3']);
    expect(ahead.size('dst_b')).toBe(0);
  });
});
