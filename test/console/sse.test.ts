import { describe, expect, it } from 'vitest';
import { queryString } from '../../console/src/api';
import { createSseParser } from '../../console/src/sse';

describe('console SSE parser', () => {
  it('yields a message per blank line with its id, event and joined data, across chunk boundaries', () => {
    const parser = createSseParser();
    expect(parser.push(': heartbeat\n\nid: evt_1\nda')).toEqual([]);
    expect(parser.push('ta: {"a":\ndata: 1}\n\nevent: error\r\ndata: client_too_slow\r\n\r\n')).toEqual([
      { id: 'evt_1', event: 'message', data: '{"a":\n1}' },
      { id: 'evt_1', event: 'error', data: 'client_too_slow' },
    ]);
  });

  it('ignores comments and unknown fields, and does not dispatch a block without data', () => {
    const parser = createSseParser();
    expect(parser.push('retry: 1000\nfoo: bar\n\n: only a comment\n\n')).toEqual([]);
  });
});

describe('console queryString', () => {
  it('leaves out unset values and joins lists with commas', () => {
    expect(queryString({ type: ['invoice.*', 'crm.*'], q: '', limit: 20, x: undefined, y: null })).toBe('?type=invoice.*%2Ccrm.*&limit=20');
    expect(queryString({})).toBe('');
  });
});

describe('console SSE parser line endings', () => {
  it('treats a CRLF split across two chunks as one line ending', () => {
    const parser = createSseParser();
    expect(parser.push('data: a\r')).toEqual([]);
    expect(parser.push('\ndata: b\r\n\r\n')).toEqual([{ id: undefined, event: 'message', data: 'a\nb' }]);
  });
});
