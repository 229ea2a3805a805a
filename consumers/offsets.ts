/**
 * What to do with a fetched batch, given the stored position of its partition:
 * - `write` the records from `from` on (those below were written already);
 * - `done`: every record was written already (a replay, or a member that lost the partition);
 * - `rewind`: the batch starts past the stored position (the first fetch came from Kafka's
 *   committed offset, or an operator reset the position): seek back to `to` and write nothing.
 * A position below the log's start (Kafka's retention removed records nobody stored) is not a
 * gap we can close: the batch is written from the log's start and `lost` says what is gone.
 */
export type OffsetPlan =
  | { readonly kind: 'write'; readonly from: bigint; readonly lost?: { readonly from: bigint; readonly to: bigint } }
  | { readonly kind: 'done' }
  | { readonly kind: 'rewind'; readonly to: bigint };

/** `stored` undefined means "never stored": start at the log's start. `logStart` is asked only when needed. */
export async function planOffsets(
  stored: bigint | undefined,
  first: bigint,
  last: bigint,
  logStart: () => Promise<bigint>,
): Promise<OffsetPlan> {
  if (stored !== undefined && last < stored) return { kind: 'done' };
  if (stored !== undefined && first <= stored) return { kind: 'write', from: stored };
  const start = await logStart();
  const resumeAt = stored === undefined || stored < start ? start : stored;
  if (first > resumeAt) return { kind: 'rewind', to: resumeAt };
  if (stored !== undefined && stored < start) return { kind: 'write', from: first, lost: { from: stored, to: start } };
  return { kind: 'write', from: first };
}
