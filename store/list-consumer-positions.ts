import type { Database } from './query.js';

export interface ConsumerPositionRow {
  readonly group_id: string;
  readonly topic: string;
  readonly partition: number;
  /** A bigint, as text. */
  readonly next_offset: string;
  readonly updated_at: Date;
}

/**
 * The positions the pipeline's consumer groups (materializer, streamer) stored with their writes,
 * for the topics under `topicPrefix`; rows still at -1 ("nothing stored yet") are left out.
 */
export async function listConsumerPositions(db: Database, topicPrefix: string): Promise<ConsumerPositionRow[]> {
  const { rows } = await db.query<ConsumerPositionRow>(
    `select group_id, topic, partition, next_offset::text, updated_at
       from consumer_offsets
      where starts_with(topic, $1) and next_offset >= 0
      order by group_id, topic, partition`,
    [`${topicPrefix}.`],
  );
  return rows;
}
