import type { Database } from './query.js';

/** Sets positions (an operator's `--reset-to`); -1 means "from the log's start". */
export async function resetPositions(
  db: Database,
  groupId: string,
  positions: readonly { topic: string; partition: number; offset: bigint }[],
): Promise<void> {
  if (positions.length === 0) return;
  await db.query(
    `insert into consumer_offsets (group_id, topic, partition, next_offset)
     select $1, topic, partition, next_offset from unnest($2::text[], $3::int[], $4::bigint[]) as p(topic, partition, next_offset)
     on conflict (group_id, topic, partition) do update set next_offset = excluded.next_offset, updated_at = now()`,
    [groupId, positions.map((p) => p.topic), positions.map((p) => p.partition), positions.map((p) => p.offset.toString())],
  );
}
