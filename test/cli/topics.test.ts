import { describe, expect, it } from 'vitest';
import { parseDuration } from '../../cli/topics.js';

describe('parseDuration', () => {
  const parse = parseDuration('--retention');
  it('reads d, h, m, s, ms, bare ms and forever', () => {
    expect([parse('7d'), parse('12h'), parse('30m'), parse('45s'), parse('500ms'), parse('1000'), parse('forever')]).toEqual([
      604_800_000, 43_200_000, 1_800_000, 45_000, 500, 1000, -1,
    ]);
  });
  it('names the flag when the value is not a duration', () => {
    expect(() => parse('a week')).toThrow('--retention must be a duration such as 7d');
  });
});
