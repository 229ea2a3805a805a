import type { Database } from './query.js';

/** Every stored position of a group, for seeking on assignment and for lag; keyed by `positionId`. */
export async function readPositions(db: Database, groupId: string): Promise<Map<string, bigint>> {
  const { rows } = await db.query<{ topic: string; partition: number; next_offset: string }>(
    'select topic, partition, next_offset::text from consumer_offsets where group_id = $1 and next_offset >= 0',
    [groupId],
  );
  return new Map(rows.map((row) => [positionId(row.topic, row.partition), BigInt(row.next_offset)]));
}

export const positionId = (topic: string, partition: number) => `${topic}:${partition}`;
