import { describe, expect, it } from 'vitest';
import { counterRates, lessBackground } from '../../../bench/lib/db-activity.js';

describe('counterRates', () => {
  it('turns two readings into per-second rates over the time between them', () => {
    expect(
      counterRates(
        { transactions: 100, statements: 150, rowsRead: 1_000, rowsWritten: 0 },
        { transactions: 600, statements: 1_150, rowsRead: 21_000, rowsWritten: 50 },
        10_000,
      ),
    ).toEqual({ transactions: 50, statements: 100, rowsRead: 2_000, rowsWritten: 5 });
  });
});

describe('lessBackground', () => {
  it('subtracts the background, never below zero', () => {
    expect(
      lessBackground(
        { transactions: 50, statements: 100, rowsRead: 10, rowsWritten: 5 },
        { transactions: 2.5, statements: 0, rowsRead: 1_600, rowsWritten: 1 },
      ),
    ).toEqual({ transactions: 47.5, statements: 100, rowsRead: 0, rowsWritten: 4 });
  });
});
