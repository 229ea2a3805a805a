import { describe, expect, it } from 'vitest';
import { abortable } from '../../consumers/abortable.js';

describe('abortable', () => {
  it('settles as the work does while the signal is not aborted', async () => {
    const controller = new AbortController();
    await expect(abortable(Promise.resolve(7), controller.signal)).resolves.toBe(7);
    await expect(abortable(Promise.reject(new Error('refused')), controller.signal)).rejects.toThrow('refused');
  });

  it('rejects with the reason at once when aborted, and leaves a late failure of the work handled', async () => {
    const controller = new AbortController();
    let fail: (error: Error) => void = () => undefined;
    const work = new Promise<never>((_resolve, reject) => (fail = reject));
    const waiting = abortable(work, controller.signal);
    controller.abort(new Error('SIGTERM received during start-up'));
    await expect(waiting).rejects.toThrow('SIGTERM received during start-up');
    fail(new Error('connection closed'));
    await expect(abortable(Promise.resolve(1), controller.signal)).rejects.toThrow('SIGTERM received during start-up');
  });
});
