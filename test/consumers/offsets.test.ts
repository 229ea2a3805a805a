import { describe, expect, it, vi } from 'vitest';
import { planOffsets } from '../../consumers/offsets.js';
import { positionId } from '../../store/read-positions.js';

/** A logStart that must not be asked. */
const unused = () => vi.fn<() => Promise<bigint>>(() => Promise.reject(new Error('logStart should not be called')));
const at = (offset: bigint) => vi.fn<() => Promise<bigint>>(() => Promise.resolve(offset));

describe('planOffsets', () => {
  it('is done when the whole batch lies below the stored position (a replay)', async () => {
    const logStart = unused();
    expect(await planOffsets(10n, 0n, 9n, logStart)).toEqual({ kind: 'done' });
    expect(await planOffsets(10n, 5n, 5n, logStart)).toEqual({ kind: 'done' });
    expect(logStart).not.toHaveBeenCalled();
  });

  it('writes from the stored position when the batch reaches it', async () => {
    const logStart = unused();
    expect(await planOffsets(10n, 10n, 20n, logStart)).toEqual({ kind: 'write', from: 10n });
    expect(await planOffsets(10n, 4n, 20n, logStart)).toEqual({ kind: 'write', from: 10n });
    expect(await planOffsets(10n, 4n, 10n, logStart)).toEqual({ kind: 'write', from: 10n });
    expect(await planOffsets(0n, 0n, 0n, logStart)).toEqual({ kind: 'write', from: 0n });
    expect(logStart).not.toHaveBeenCalled();
  });

  it('writes the batch when nothing was stored and it starts at the log start', async () => {
    const logStart = at(0n);
    expect(await planOffsets(undefined, 0n, 9n, logStart)).toEqual({ kind: 'write', from: 0n });
    expect(logStart).toHaveBeenCalledTimes(1);
    expect(await planOffsets(undefined, 42n, 50n, at(42n))).toEqual({ kind: 'write', from: 42n });
  });

  it('rewinds to the log start when nothing was stored and the batch starts past it', async () => {
    const logStart = at(3n);
    expect(await planOffsets(undefined, 100n, 120n, logStart)).toEqual({ kind: 'rewind', to: 3n });
    expect(logStart).toHaveBeenCalledTimes(1);
    expect(await planOffsets(undefined, 1n, 1n, at(0n))).toEqual({ kind: 'rewind', to: 0n });
  });

  it('rewinds to the stored position when the batch starts past it (a gap)', async () => {
    expect(await planOffsets(10n, 11n, 20n, at(0n))).toEqual({ kind: 'rewind', to: 10n });
    expect(await planOffsets(10n, 500n, 600n, at(10n))).toEqual({ kind: 'rewind', to: 10n });
  });

  it('writes from the log start, reporting what is lost, when retention removed records past the stored position', async () => {
    const logStart = at(50n);
    expect(await planOffsets(10n, 50n, 60n, logStart)).toEqual({ kind: 'write', from: 50n, lost: { from: 10n, to: 50n } });
    expect(logStart).toHaveBeenCalledTimes(1);
  });

  it('rewinds to the log start when the stored position is gone and the batch starts past the log start', async () => {
    expect(await planOffsets(10n, 70n, 80n, at(50n))).toEqual({ kind: 'rewind', to: 50n });
  });

  it('does not report a loss when the stored position is the log start', async () => {
    expect(await planOffsets(50n, 51n, 60n, at(50n))).toEqual({ kind: 'rewind', to: 50n });
  });

  it('passes on a failure to read the log start', async () => {
    await expect(planOffsets(undefined, 0n, 1n, () => Promise.reject(new Error('broker down')))).rejects.toThrow('broker down');
  });
});

describe('positionId', () => {
  it('joins topic and partition', () => {
    expect(positionId('evp.invoice', 0)).toBe('evp.invoice:0');
    expect(positionId('evp.crm.company', 11)).toBe('evp.crm.company:11');
  });

  it('keeps different partitions and topics apart', () => {
    expect(positionId('a', 1)).not.toBe(positionId('a', 2));
    expect(positionId('a', 1)).not.toBe(positionId('b', 1));
  });
});
