import { describe, expect, it } from 'vitest';
import { ConfigError, InputError, PipelineError, PublishError, StackError, coerceError, publishErrorCodes } from '../../adapters/errors.js';

describe('errors', () => {
  it('keeps the code, the cause, the retry flag and the context', () => {
    const cause = new Error('boom');
    const error = new StackError('EVP_STACK_NOT_READY', 'not ready', { cause, retriable: true, service: 'kafka' });
    expect(error).toBeInstanceOf(PipelineError);
    expect(error).toMatchObject({ code: 'EVP_STACK_NOT_READY', retriable: true, service: 'kafka', name: 'StackError' });
    expect(error.cause).toBe(cause);
  });

  it('takes the retry flag from the catalogue when the caller gives none', () => {
    expect(new PublishError(publishErrorCodes.bufferFull, 'full').retriable).toBe(true);
    expect(new PublishError(publishErrorCodes.closed, 'closed').retriable).toBe(false);
    expect(new StackError('EVP_STACK_LOCKED', 'locked', { retriable: false }).retriable).toBe(false);
  });

  it('never marks a config or input error retriable', () => {
    expect(new ConfigError('bad', { retriable: true })).toMatchObject({ code: 'EVP_CONFIG_INVALID', retriable: false });
    expect(new InputError('bad', { retriable: true })).toMatchObject({ code: 'EVP_INPUT_INVALID', retriable: false });
  });

  it('accepts only codes of the catalogue, and of the class', () => {
    // @ts-expect-error a code that is not in core/error-catalogue.ts
    expect(new PipelineError('EVP_TYPO', 'typo', { retriable: false }).code).toBe('EVP_TYPO');
    // @ts-expect-error a code of the catalogue, but not one a StackError has
    expect(new StackError('EVP_KAFKA_UNREACHABLE', 'wrong class').code).toBe('EVP_KAFKA_UNREACHABLE');
  });

  it('coerces thrown non-errors into errors', () => {
    expect(coerceError('text').message).toBe('text');
    expect(coerceError({ a: 1 }).message).toBe('{"a":1}');
  });
});
