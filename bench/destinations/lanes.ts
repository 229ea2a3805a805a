/**
 * Runs `write(i)` for every i below `count`, at most `inFlight` at once: each lane takes the next
 * index once its write is acknowledged, as the streamer's concurrency slots do.
 */
export async function runLanes(count: number, inFlight: number, write: (index: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  const lane = async () => {
    for (let index = next++; index < count; index = next++) await write(index);
  };
  await Promise.all(Array.from({ length: Math.max(1, inFlight) }, lane));
}
