import { describe, expect, it } from 'vitest';
import { figure, formatMs, percent, renderTable, tableLines } from '../../../bench/lib/format.js';

describe('figure', () => {
  it('prints thousands separators and rounds to whole numbers by default', () => {
    expect(figure(1234567.6)).toBe('1,234,568');
  });

  it('prints exactly the digits asked for', () => {
    expect(figure(1.5, 2)).toBe('1.50');
    expect(figure(1234.04, 1)).toBe('1,234.0');
  });

  it('prints a dash for a missing figure', () => {
    expect(figure(null)).toBe('-');
    expect(figure(undefined, 1)).toBe('-');
  });
});

describe('percent', () => {
  it('prints a share as a whole percentage, a dash when missing', () => {
    expect(percent(0.456)).toBe('46%');
    expect(percent(null)).toBe('-');
  });
});

describe('formatMs', () => {
  it('prints whole milliseconds as they are and others to one decimal', () => {
    expect(formatMs(12)).toBe('12');
    expect(formatMs(12.345)).toBe('12.3');
  });
});

describe('tableLines', () => {
  it('pads text on the right and figures on the left, with a rule under the header', () => {
    expect(
      tableLines(
        ['scenario', 'events/s'],
        [
          ['sdk gzip', '1,234'],
          ['ProducerPerformance gzip', '98'],
        ],
      ),
    ).toEqual([
      'scenario                 | events/s',
      '-------------------------+---------',
      'sdk gzip                 |    1,234',
      'ProducerPerformance gzip |       98',
    ]);
  });

  it('trims the blanks after a last column of text', () => {
    expect(tableLines(['run', 'n', 'verdict'], [['a', '1', '']], (column, columns) => column === 0 || column === columns - 1)).toEqual([
      'run | n | verdict',
      '----+---+--------',
      'a   | 1 |',
    ]);
  });

  it('keeps the blanks of a last column of figures', () => {
    expect(tableLines(['scenario', 'ratio'], [['api', '']], (column, columns) => column !== columns - 1)).toEqual([
      'scenario | ratio',
      '---------+------',
      'api      |      ',
    ]);
  });
});

describe('renderTable', () => {
  it('puts the notes under the table after a blank line', () => {
    expect(renderTable(['a', 'b'], [['x', '1']], ['first note', 'second note'])).toBe(
      ['a | b', '--+--', 'x | 1', '', 'first note', 'second note'].join('\n'),
    );
  });
});
