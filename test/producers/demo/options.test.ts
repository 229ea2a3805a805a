import { describe, expect, it } from 'vitest';
import { parseDuration, parseInteger, parsePort, parseRate } from '../../../producers/demo/index.js';

describe('demo options', () => {
  it('reads a rate per second, per minute or as a plain number', () => {
    expect(parseRate('20/s')).toBe(20);
    expect(parseRate('20')).toBe(20);
    expect(parseRate('2.5/s')).toBe(2.5);
    expect(parseRate('600/min')).toBe(10);
  });

  it('refuses a rate that is not one, naming --rate', () => {
    for (const bad of ['fast', '0', '-3/s', '20/h', '1000000/s', '']) expect(() => parseRate(bad), bad).toThrow(/--rate/);
  });

  it('reads durations in ms, s, m, h and plain seconds', () => {
    expect(parseDuration('60s')).toBe(60_000);
    expect(parseDuration('5m')).toBe(300_000);
    expect(parseDuration('1h')).toBe(3_600_000);
    expect(parseDuration('500ms')).toBe(500);
    expect(parseDuration('90')).toBe(90_000);
    expect(() => parseDuration('soon')).toThrow(/--duration/);
    expect(() => parseDuration('0s')).toThrow(/--duration/);
  });

  it('reads ports and whole numbers, naming the flag when wrong', () => {
    expect(parsePort('--receiver-port')('0')).toBe(0);
    expect(parsePort('--receiver-port')('3003')).toBe(3003);
    expect(() => parsePort('--receiver-port')('70000')).toThrow(/--receiver-port/);
    expect(() => parsePort('--receiver-port')('abc')).toThrow(/--receiver-port/);
    expect(parseInteger('--orgs', 1, 100)('5')).toBe(5);
    expect(() => parseInteger('--orgs', 1, 100)('0')).toThrow(/--orgs/);
    expect(() => parseInteger('--seed', 0, 10)('1.5')).toThrow(/--seed/);
  });
});
