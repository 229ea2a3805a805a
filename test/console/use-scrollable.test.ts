import { describe, expect, it } from 'vitest';
import { isScrollable } from '../../console/src/use-scrollable';

describe('console isScrollable', () => {
  it('is false for content that fits its box, to the pixel', () => {
    expect(isScrollable({ scrollWidth: 600, clientWidth: 600, scrollHeight: 200, clientHeight: 200 })).toBe(false);
  });

  it('is true for content wider than its box (a table on a phone)', () => {
    expect(isScrollable({ scrollWidth: 812, clientWidth: 358, scrollHeight: 200, clientHeight: 200 })).toBe(true);
  });

  it('is true for content taller than its box (long JSON under its maximum height)', () => {
    expect(isScrollable({ scrollWidth: 600, clientWidth: 600, scrollHeight: 2400, clientHeight: 512 })).toBe(true);
  });
});
