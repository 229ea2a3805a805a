import type { Database } from './query.js';

/** A partition's position as a consumer group stores it in PostgreSQL. */
export interface PartitionKey {
  readonly groupId: string;
  readonly topic: string;
  readonly partition: number;
}

/** Locks the partition's position row for this transaction and returns it (undefined when never stored). */
export async function lockPosition(db: Database, key: PartitionKey): Promise<bigint | undefined> {
  const select = () =>
    db.query<{ next_offset: string }>(
      'select next_offset::text from consumer_offsets where group_id = $1 and topic = $2 and partition = $3 for update',
      [key.groupId, key.topic, key.partition],
    );
  let { rows } = await select();
  if (rows.length === 0) {
    // -1: "no position yet". Inserted so there is a row to lock; a concurrent insert is fine.
    await db.query(
      'insert into consumer_offsets (group_id, topic, partition, next_offset) values ($1, $2, $3, -1) on conflict do nothing',
      [key.groupId, key.topic, key.partition],
    );
    ({ rows } = await select());
  }
  const stored = BigInt(rows[0]?.next_offset ?? '-1');
  return stored < 0n ? undefined : stored;
}

/** Moves the partition's position, in the transaction that locked it. */
export async function storePosition(db: Database, key: PartitionKey, next: bigint): Promise<void> {
  await db.query('update consumer_offsets set next_offset = $4, updated_at = now() where group_id = $1 and topic = $2 and partition = $3', [
    key.groupId,
    key.topic,
    key.partition,
    next.toString(),
  ]);
}
