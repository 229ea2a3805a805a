import { describe, expect, it } from 'vitest';
import { copyTextRow } from '../../adapters/copy.js';

describe('copyTextRow', () => {
  it('separates values with tabs and ends the row with a newline', () => {
    expect(copyTextRow(['a', 'b', 'c'])).toBe('a\tb\tc\n');
    expect(copyTextRow(['only'])).toBe('only\n');
  });

  it('writes null as \\N and an empty string as nothing', () => {
    expect(copyTextRow([null, '', null])).toBe('\\N\t\t\\N\n');
    expect(copyTextRow([''])).toBe('\n');
  });

  it('keeps a literal "\\N" text apart from null', () => {
    expect(copyTextRow(['\\N'])).toBe('\\\\N\n');
  });

  it('escapes backslash, tab, newline and carriage return', () => {
    expect(copyTextRow(['a\\b'])).toBe('a\\\\b\n');
    expect(copyTextRow(['a\tb'])).toBe('a\\tb\n');
    expect(copyTextRow(['a\nb'])).toBe('a\\nb\n');
    expect(copyTextRow(['a\rb'])).toBe('a\\rb\n');
    expect(copyTextRow(['\\\t\n\r\r\n\\\\'])).toBe('\\\\\\t\\n\\r\\r\\n\\\\\\\\\n');
  });

  it('leaves other text as it is, JSON and unicode included', () => {
    const json = JSON.stringify({ note: 'line 1\nline 2', path: 'C:\\x', emoji: '🎉', quote: '"' });
    expect(copyTextRow(['ünïcode 🎉', 'it\'s "quoted", with, commas'])).toBe('ünïcode 🎉\tit\'s "quoted", with, commas\n');
    // JSON.stringify already escapes control characters, so only its backslashes are doubled.
    expect(copyTextRow([json])).toBe(`${json.replaceAll('\\', '\\\\')}\n`);
  });

  it('writes numbers and booleans as text', () => {
    expect(copyTextRow([0, 42, -1.5, 1e21, true, false])).toBe('0\t42\t-1.5\t1e+21\ttrue\tfalse\n');
  });

  it('writes an empty row as a bare newline', () => {
    expect(copyTextRow([])).toBe('\n');
  });

  it('reads back the values when the COPY text format is decoded', () => {
    const decode = (line: string) =>
      line
        .replace(/\n$/, '')
        .split('\t')
        .map((field) =>
          field === '\\N' ? null : field.replace(/\\(.)/g, (_, c: string) => ({ t: '\t', n: '\n', r: '\r', '\\': '\\' })[c] ?? c),
        );
    const values = ['plain', null, 'tab\there', 'new\nline', 'cr\rhere', 'back\\slash', '\\N', '', 'mixed\\t\t\\n'];
    const row = copyTextRow(values);
    expect(row.split('\n')).toHaveLength(2);
    expect(decode(row)).toEqual(values);
  });
});
