import { describe, expect, it } from 'vitest';
import { createEventId, eventIdTime } from '../../core/ids.js';
import { dayOf, partitionBounds, partitionDay, partitionName, retentionCutoffDay } from '../../store/event-partitions.js';

const dayMs = 86_400_000;
/** 2026-11-24T00:00:00.000Z */
const nov24 = Date.UTC(2026, 10, 24);
const nov24Day = nov24 / dayMs;

describe('dayOf', () => {
  it('counts UTC days since the epoch', () => {
    expect(dayOf(0)).toBe(0);
    expect(dayOf(dayMs - 1)).toBe(0);
    expect(dayOf(dayMs)).toBe(1);
    expect(dayOf(nov24)).toBe(nov24Day);
    expect(dayOf(nov24 + dayMs - 1)).toBe(nov24Day);
    expect(dayOf(nov24 + dayMs)).toBe(nov24Day + 1);
  });

  it('rounds times before the epoch down', () => {
    expect(dayOf(-1)).toBe(-1);
    expect(dayOf(-dayMs)).toBe(-1);
  });
});

describe('partitionName', () => {
  it('names a day events_dYYYYMMDD (UTC)', () => {
    expect(partitionName(nov24Day)).toBe('events_d20261124');
    expect(partitionName(0)).toBe('events_d19700101');
    expect(partitionName(dayOf(Date.UTC(2028, 1, 29)))).toBe('events_d20280229');
  });
});

describe('partitionDay', () => {
  it('reads back the day partitionName named', () => {
    expect(partitionDay('events_d20261124')).toBe(nov24Day);
    for (let day = nov24Day - 400; day <= nov24Day + 400; day++) {
      expect(partitionDay(partitionName(day))).toBe(day);
    }
  });

  it('returns undefined for tables that are not day partitions', () => {
    for (const name of [
      'events',
      'events_default',
      'events_d2026112',
      'events_d202611240',
      'events_d2026-11-24',
      'xevents_d20261124',
      'events_d20261124_old',
      'EVENTS_D20261124',
      'dead_letters',
    ]) {
      expect(partitionDay(name), name).toBeUndefined();
    }
  });

  // Date.UTC rolls invalid dates over (Feb 30 → Mar 2, month 13 → next year); such names are not ours.
  it('returns undefined for names that are not a valid date (Feb 30)', () => {
    expect(partitionDay('events_d20260230')).toBeUndefined();
  });

  it('returns undefined for names that are not a valid date (month 13)', () => {
    expect(partitionDay('events_d20261301')).toBeUndefined();
  });

  it('returns undefined for names that are not a valid date (day 00)', () => {
    expect(partitionDay('events_d20261100')).toBeUndefined();
  });
});

describe('partitionBounds', () => {
  it('gives the id prefixes of the first ms of the day and of the next day', () => {
    const prefix = (ms: number) => {
      const hex = ms.toString(16).padStart(12, '0');
      return `evt_${hex.slice(0, 8)}-${hex.slice(8)}`;
    };
    expect(partitionBounds(nov24Day)).toEqual({ from: prefix(nov24), to: prefix(nov24 + dayMs) });
    expect(createEventId(nov24).startsWith(prefix(nov24))).toBe(true);
    expect(partitionBounds(0)).toEqual({ from: 'evt_00000000-0000', to: 'evt_00000526-5c00' });
  });

  it('puts the ids of a day in [from, to) under bytewise ("C" collation) comparison', () => {
    const { from, to } = partitionBounds(nov24Day);
    const inRange = (id: string) => from <= id && id < to;
    for (let i = 0; i < 50; i++) {
      const first = createEventId(nov24);
      const last = createEventId(nov24 + dayMs - 1);
      const nextFirst = createEventId(nov24 + dayMs);
      const previousLast = createEventId(nov24 - 1);
      expect(inRange(first), first).toBe(true);
      expect(inRange(last), last).toBe(true);
      expect(inRange(nextFirst), nextFirst).toBe(false);
      expect(inRange(previousLast), previousLast).toBe(false);
      expect(partitionBounds(nov24Day + 1).from <= nextFirst && nextFirst < partitionBounds(nov24Day + 1).to).toBe(true);
      expect(partitionBounds(nov24Day - 1).from <= previousLast && previousLast < partitionBounds(nov24Day - 1).to).toBe(true);
    }
  });

  it('makes consecutive days adjoin', () => {
    for (let day = nov24Day - 10; day < nov24Day + 10; day++) {
      expect(partitionBounds(day).to).toBe(partitionBounds(day + 1).from);
      expect(partitionBounds(day).from < partitionBounds(day).to).toBe(true);
    }
  });

  it('agrees with dayOf(eventIdTime(id)) for ids made at any time of the day', () => {
    for (let i = 0; i < 200; i++) {
      const ms = nov24 + Math.floor(Math.random() * 3 * dayMs) - dayMs;
      const id = createEventId(ms);
      const { from, to } = partitionBounds(dayOf(eventIdTime(id)));
      expect(from <= id && id < to, id).toBe(true);
    }
  });
});

describe('retentionCutoffDay', () => {
  it('keeps everything when retention is 0', () => {
    expect(retentionCutoffDay(nov24, 0)).toBeUndefined();
  });

  it('keeps the last 90 days and today with 90 days', () => {
    expect(retentionCutoffDay(nov24, 90)).toBe(nov24Day - 90);
    expect(retentionCutoffDay(nov24 + dayMs - 1, 90)).toBe(nov24Day - 90);
    expect(retentionCutoffDay(nov24 + dayMs, 90)).toBe(nov24Day - 89);
  });

  it('drops an event only after it is at least 90 full days old', () => {
    const made = nov24 + dayMs - 1; // the last ms of its day: the youngest event of its partition
    const madeDay = dayOf(made);
    // The first time at which its day falls before the cutoff.
    const droppedFrom = (madeDay + 91) * dayMs;
    expect(retentionCutoffDay(droppedFrom - 1, 90)).toBe(madeDay);
    expect(retentionCutoffDay(droppedFrom, 90)).toBe(madeDay + 1);
    expect(droppedFrom - made).toBeGreaterThanOrEqual(90 * dayMs);
    expect(droppedFrom - nov24).toBeLessThanOrEqual(91 * dayMs);
  });
});
