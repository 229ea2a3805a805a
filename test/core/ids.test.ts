import { describe, expect, it } from 'vitest';
import { createEventId, eventIdTime, isEventId } from '../../core/ids.js';

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
