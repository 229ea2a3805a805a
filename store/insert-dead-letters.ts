import type { Database } from './query.js';

/** A record that could not be materialised: kept byte for byte, headers as text, with the reason. */
export interface DeadLetterRow {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  /** The record's timestamp, ms since the epoch, as Kafka gives it. */
  readonly timestamp: string;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly headers: Readonly<Record<string, string>>;
  readonly code: string;
  readonly reason: string;
}

/** Stores a group's dead letters; one already stored for the same record is kept as it is. */
export async function insertDeadLetters(db: Database, groupId: string, letters: readonly DeadLetterRow[]): Promise<void> {
  await db.query(
    `insert into dead_letters (group_id, topic, partition, kafka_offset, record_timestamp, key, value, headers, reason_code, reason)
     select $1, l.topic, l.partition, l.kafka_offset, to_timestamp(nullif(l.ts, '')::bigint / 1000.0), l.key, l.value, l.headers, l.code, l.reason
       from unnest($2::text[], $3::int[], $4::bigint[], $5::text[], $6::bytea[], $7::bytea[], $8::jsonb[], $9::text[], $10::text[])
            as l(topic, partition, kafka_offset, ts, key, value, headers, code, reason)
     on conflict (group_id, topic, partition, kafka_offset) do nothing`,
    [
      groupId,
      letters.map((l) => l.topic),
      letters.map((l) => l.partition),
      letters.map((l) => l.offset),
      letters.map((l) => l.timestamp),
      letters.map((l) => l.key),
      letters.map((l) => l.value),
      letters.map((l) => JSON.stringify(l.headers)),
      letters.map((l) => l.code),
      letters.map((l) => l.reason),
    ],
  );
}
