import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { PipelineError, StackError, allErrorCodes, coerceError } from '../../adapters/errors.js';

describe('errors', () => {
  it('documents every error code in docs/errors.md', () => {
    const docs = fs.readFileSync(new URL('../../docs/errors.md', import.meta.url), 'utf8');
    const missing = allErrorCodes.filter((code) => !docs.includes(`\`${code}\``));
    expect(missing).toEqual([]);
  });

  it('keeps the code, the cause, the retry flag and the context', () => {
    const cause = new Error('boom');
    const error = new StackError('EVP_STACK_NOT_READY', 'not ready', { cause, retriable: true, service: 'kafka' });
    expect(error).toBeInstanceOf(PipelineError);
    expect(error).toMatchObject({ code: 'EVP_STACK_NOT_READY', retriable: true, service: 'kafka', name: 'StackError' });
    expect(error.cause).toBe(cause);
  });

  it('coerces thrown non-errors into errors', () => {
    expect(coerceError('text').message).toBe('text');
    expect(coerceError({ a: 1 }).message).toBe('{"a":1}');
  });
});
