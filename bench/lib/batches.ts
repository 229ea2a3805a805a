/** How a scenario cuts N events into requests and keeps a fixed number of them in flight. */

/** The `[start, end)` events of batch `index` when `total` events go `size` at a time (the last may be shorter). */
export function batchRange(index: number, size: number, total: number): { readonly start: number; readonly end: number } {
  const start = index * size;
  return { start, end: Math.min(total, start + size) };
}

/** Batches of `size` it takes to carry `total` events. */
export function batchCount(total: number, size: number): number {
  return Math.ceil(total / size);
}

/**
 * Runs `job(0…count−1)` on `lanes` lanes, each starting the next index as soon as its last job
 * ended (as that many keep-alive connections would). Starts nothing more after the first failure
 * and rejects with it once the jobs running then have ended.
 */
export async function runOnLanes(count: number, lanes: number, job: (index: number) => Promise<void>): Promise<void> {
  let next = 0;
  let failed = false;
  let failure: unknown;
  const lane = async () => {
    while (!failed && next < count) {
      const index = next++;
      try {
        await job(index);
      } catch (error) {
        if (!failed) failure = error;
        failed = true;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(lanes, count) }, lane));
  if (failed) throw failure;
}
