import { describe, expect, it } from 'vitest';
import { createEventId, eventIdFloor, eventIdTime, isEventId } from '../../core/ids.js';

describe('createEventId', () => {
  it('makes evt_ + UUIDv7 ids that carry their creation time', () => {
    const id = createEventId(1_767_225_600_000);
    expect(isEventId(id)).toBe(true);
    expect(eventIdTime(id)).toBe(1_767_225_600_000);
  });

  it('orders ids made later after ids made earlier, within one millisecond too', () => {
    const ids = Array.from({ length: 5000 }, () => createEventId());
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('rejects what is not an event id', () => {
    expect(isEventId('evt_123')).toBe(false);
    expect(isEventId('a1b2c3d4-5678-40ab-8def-1234567890ab')).toBe(false);
    expect(() => eventIdTime('nope')).toThrow(/not an event id/);
  });
});

describe('eventIdTime', () => {
  it('reads the creation time (ms) from an evt_ + UUIDv7 id', () => {
    for (const ms of [
      0,
      1,
      Date.UTC(2026, 10, 24),
      Date.UTC(2026, 10, 24) + 12_345,
      Date.UTC(2099, 11, 31, 23, 59, 59, 999),
      2 ** 48 - 1,
    ]) {
      expect(eventIdTime(createEventId(ms))).toBe(ms);
    }
  });

  it('reads the time of an id floor', () => {
    expect(eventIdTime(eventIdFloor(1_767_225_600_123))).toBe(1_767_225_600_123);
    expect(eventIdTime(eventIdFloor(0))).toBe(0);
  });

  it('rejects an id floor cut short', () => {
    expect(() => eventIdTime('evt_0192f3a4-5b00')).toThrow(/not an event id/);
  });
});

describe('eventIdFloor', () => {
  const t = 1_767_225_600_123;

  it('sorts ids made at a millisecond at or above its floor and below the next floor', () => {
    const floor = eventIdFloor(t);
    const next = eventIdFloor(t + 1);
    for (let i = 0; i < 500; i++) {
      const id = createEventId(t);
      expect([next, id, floor].sort()).toEqual([floor, id, next]);
    }
  });

  it('sorts ids made before the millisecond below its floor', () => {
    const floor = eventIdFloor(t);
    for (const at of [t - 1, t - 255, t - 256, t - 4096, t - 86_400_000, 0]) {
      const id = createEventId(at);
      expect([floor, id].sort(), `made at ${at}`).toEqual([id, floor]);
    }
  });

  it('sorts ids made after the millisecond at or above the next floor', () => {
    const next = eventIdFloor(t + 1);
    for (const at of [t + 1, t + 256, t + 4096, t + 86_400_000]) {
      const id = createEventId(at);
      expect([id, next].sort(), `made at ${at}`).toEqual([next, id]);
    }
  });

  it('bounds ids made now, without a given time', () => {
    const before = Date.now();
    const ids = Array.from({ length: 100 }, () => createEventId());
    const floor = eventIdFloor(before);
    for (const id of ids) expect([id, floor].sort()).toEqual([floor, id]);
  });

  it('is a prefix of the ids made at that millisecond', () => {
    expect(createEventId(t).startsWith(eventIdFloor(t))).toBe(true);
    expect(eventIdFloor(t)).toBe('evt_019b76da-a87b-');
    expect(eventIdFloor(0)).toBe('evt_00000000-0000-');
  });

  it('clamps times outside what an id can carry', () => {
    expect(eventIdFloor(-1_000)).toBe(eventIdFloor(0));
    expect(eventIdFloor(2 ** 48 + 5)).toBe('evt_ffffffff-ffff-');
  });
});
