import { describe, expect, it } from 'vitest';
import { isConnectionError, isDataError, isTransientConflict } from '../../adapters/database.js';

/** An error as pg or node's net module throws it: an Error with a `code`. */
function withCode(code: string, message = 'failed'): Error {
  return Object.assign(new Error(message), { code });
}

describe('isConnectionError', () => {
  it('recognises network errors from node', () => {
    for (const code of ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH', 'EAI_AGAIN']) {
      expect(isConnectionError(withCode(code)), code).toBe(true);
    }
  });

  it('recognises SQLSTATEs of lost connections, shutdowns and exhausted resources', () => {
    for (const code of ['08006', '08001', '08003', '08P01', '57P01', '57P02', '57P03', '53300', '53100', '58000', '58030']) {
      expect(isConnectionError(withCode(code)), code).toBe(true);
    }
  });

  it('recognises pg messages of lost connections', () => {
    for (const message of [
      'Connection terminated unexpectedly',
      'Connection terminated due to connection timeout',
      'timeout exceeded when trying to connect',
      'Client has encountered a connection error and is not queryable',
      'Connection ended unexpectedly',
    ]) {
      expect(isConnectionError(new Error(message)), message).toBe(true);
    }
  });

  it('does not take rejected statements for connection errors', () => {
    for (const code of ['23505', '22P02', '42P01', '40P01', '40001', '57014', 'ERR_INVALID_ARG_TYPE']) {
      expect(isConnectionError(withCode(code)), code).toBe(false);
    }
    expect(isConnectionError(new Error('duplicate key value violates unique constraint "events_pkey"'))).toBe(false);
    expect(isConnectionError(new Error('boom'))).toBe(false);
  });

  it('answers false for what is not an Error', () => {
    expect(isConnectionError({ code: 'ECONNREFUSED', message: 'Connection terminated' })).toBe(false);
    expect(isConnectionError('Connection terminated unexpectedly')).toBe(false);
    expect(isConnectionError(undefined)).toBe(false);
    expect(isConnectionError(null)).toBe(false);
  });

  it('ignores a code that is not a string', () => {
    expect(isConnectionError(Object.assign(new Error('boom'), { code: 8006 }))).toBe(false);
  });
});

describe('isTransientConflict', () => {
  it('recognises deadlocks and serialization failures', () => {
    expect(isTransientConflict(withCode('40P01'))).toBe(true);
    expect(isTransientConflict(withCode('40001'))).toBe(true);
    expect(isTransientConflict({ code: '40001' })).toBe(true);
  });

  it('answers false for anything else', () => {
    for (const code of ['23505', '40000', '40002', '08006', 'ECONNREFUSED']) {
      expect(isTransientConflict(withCode(code)), code).toBe(false);
    }
    expect(isTransientConflict(new Error('deadlock detected'))).toBe(false);
    expect(isTransientConflict(undefined)).toBe(false);
    expect(isTransientConflict(null)).toBe(false);
    expect(isTransientConflict('40P01')).toBe(false);
  });
});

describe('isDataError', () => {
  it('recognises data exceptions and integrity violations', () => {
    for (const code of ['22P02', '22021', '22001', '22003', '23505', '23502', '23503', '23514']) {
      expect(isDataError(withCode(code)), code).toBe(true);
    }
    expect(isDataError({ code: '22P05' })).toBe(true);
  });

  it('answers false for connection errors, conflicts and errors without a SQLSTATE', () => {
    for (const code of ['08006', '57P01', '53300', '40P01', '40001', '42P01', 'ECONNREFUSED']) {
      expect(isDataError(withCode(code)), code).toBe(false);
    }
    expect(isDataError(new Error('invalid input syntax'))).toBe(false);
    expect(isDataError(Object.assign(new Error('x'), { code: 22 }))).toBe(false);
    expect(isDataError(undefined)).toBe(false);
    expect(isDataError(null)).toBe(false);
  });
});
