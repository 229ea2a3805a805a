import type pg from 'pg';

/** A partition's position as a consumer group stores it in PostgreSQL. */
export interface PartitionKey {
  readonly groupId: string;
  readonly topic: string;
  readonly partition: number;
}

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

/** Locks the partition's position row for this transaction and returns it (undefined when never stored). */
export async function lockPosition(client: pg.ClientBase, key: PartitionKey): Promise<bigint | undefined> {
  const select = () =>
    client.query<{ next_offset: string }>(
      'select next_offset::text from consumer_offsets where group_id = $1 and topic = $2 and partition = $3 for update',
      [key.groupId, key.topic, key.partition],
    );
  let { rows } = await select();
  if (rows.length === 0) {
    // -1: "no position yet". Inserted so there is a row to lock; a concurrent insert is fine.
    await client.query(
      'insert into consumer_offsets (group_id, topic, partition, next_offset) values ($1, $2, $3, -1) on conflict do nothing',
      [key.groupId, key.topic, key.partition],
    );
    ({ rows } = await select());
  }
  const stored = BigInt(rows[0]?.next_offset ?? '-1');
  return stored < 0n ? undefined : stored;
}

export async function storePosition(client: pg.ClientBase, key: PartitionKey, next: bigint): Promise<void> {
  await client.query(
    'update consumer_offsets set next_offset = $4, updated_at = now() where group_id = $1 and topic = $2 and partition = $3',
    [key.groupId, key.topic, key.partition, next.toString()],
  );
}

/** Every stored position of a group, for seeking on assignment and for lag. */
export async function readPositions(pool: pg.Pool, groupId: string): Promise<Map<string, bigint>> {
  const { rows } = await pool.query<{ topic: string; partition: number; next_offset: string }>(
    'select topic, partition, next_offset::text from consumer_offsets where group_id = $1 and next_offset >= 0',
    [groupId],
  );
  return new Map(rows.map((row) => [positionId(row.topic, row.partition), BigInt(row.next_offset)]));
}

/** Sets positions (an operator's `--reset-to`); -1 means "from the log's start". */
export async function resetPositions(
  pool: pg.Pool,
  groupId: string,
  positions: readonly { topic: string; partition: number; offset: bigint }[],
): Promise<void> {
  if (positions.length === 0) return;
  await pool.query(
    `insert into consumer_offsets (group_id, topic, partition, next_offset)
     select $1, topic, partition, next_offset from unnest($2::text[], $3::int[], $4::bigint[]) as p(topic, partition, next_offset)
     on conflict (group_id, topic, partition) do update set next_offset = excluded.next_offset, updated_at = now()`,
    [groupId, positions.map((p) => p.topic), positions.map((p) => p.partition), positions.map((p) => p.offset.toString())],
  );
}

export const positionId = (topic: string, partition: number) => `${topic}:${partition}`;
