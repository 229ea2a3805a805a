/**
 * `work`, or a rejection with the signal's reason as soon as it is aborted, for start-up steps
 * that take no signal themselves (kafkajs connects and retries on its own schedule). The step
 * itself goes on: the caller closes the clients it uses, which ends it.
 */
export function abortable<T>(work: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (signal === undefined) return work;
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason as Error);
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
    // Settling twice is harmless: the first outcome wins, and a late failure is not left unhandled.
    void work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}
