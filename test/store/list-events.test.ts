import { describe, expect, it } from 'vitest';
import { pagingWindows, type PagingWindow } from '../../store/list-events.js';
import { createEventId, eventIdFloor } from '../../core/ids.js';

const day = 86_400_000;
const now = Date.UTC(2026, 10, 24, 15, 30);
const today = Date.UTC(2026, 10, 24);
const windows = (input: Parameters<typeof pagingWindows>[0]): PagingWindow[] => [...pagingWindows(input, now)];

describe('pagingWindows', () => {
  it('reads the first page from today, then doubling windows back, then everything older', () => {
    // Windows of 1, 2, 4, … days; past 400 days back, one window takes the rest.
    const edges = [0, 1, 3, 7, 15, 31, 63, 127, 255].map((days) => today - days * day);
    expect(windows({ range: {} })).toEqual([
      { fromMs: edges[0] },
      ...edges.slice(1).map((fromMs, i) => ({ fromMs, toMs: edges[i] })),
      { toMs: edges.at(-1) },
    ]);
  });

  it('covers every time exactly once, without gaps, whatever the bounds', () => {
    const cases = [
      { range: {} },
      { range: {}, startingAfter: createEventId(now - 10 * day) },
      { range: { from: eventIdFloor(now - 3 * day) } },
      { range: { from: eventIdFloor(now - 30 * day), to: eventIdFloor(now - 2 * day) } },
      { range: {}, endingBefore: createEventId(now - 20 * day) },
      { range: { to: eventIdFloor(now - day) }, endingBefore: createEventId(now - 5 * day) },
    ];
    for (const input of cases) {
      const list = windows(input);
      const backwards = input.endingBefore !== undefined;
      // Consecutive windows meet exactly; the first and last are open at the far ends.
      for (let i = 1; i < list.length; i++) {
        const [a, b] = [list[i - 1], list[i]] as [PagingWindow, PagingWindow];
        if (backwards) expect(b.fromMs, JSON.stringify(input)).toBe(a.toMs);
        else expect(b.toMs, JSON.stringify(input)).toBe(a.fromMs);
      }
      expect(backwards ? list[0]?.fromMs : list[0]?.toMs).toBeUndefined();
      expect(backwards ? list.at(-1)?.toMs : list.at(-1)?.fromMs).toBeUndefined();
    }
  });

  it('starts at the cursor day and stops at the created bound', () => {
    const cursor = createEventId(today - 10 * day + 5_000);
    const list = windows({ range: { from: eventIdFloor(today - 12 * day) }, startingAfter: cursor });
    expect(list).toEqual([{ fromMs: today - 10 * day }, { fromMs: today - 11 * day, toMs: today - 10 * day }, { toMs: today - 11 * day }]);
  });

  it('goes forward from the cursor day for ending_before, and ends open past now', () => {
    const list = windows({ range: {}, endingBefore: createEventId(today - 3 * day + 1_000) });
    expect(list[0]).toEqual({ toMs: today - 2 * day });
    expect(list.at(-1)).toEqual({ fromMs: expect.any(Number) as number });
    expect((list.at(-1)?.fromMs ?? 0) >= now).toBe(true);
  });
});
