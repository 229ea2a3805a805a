import { pageOf, type Database } from './query.js';

export interface DeadLetterRow {
  readonly id: string;
  readonly group_id: string;
  readonly topic: string;
  readonly partition: number;
  readonly kafka_offset: string;
  readonly reason_code: string;
  readonly reason: string;
  readonly failed_at: Date;
  readonly key: Buffer | null;
  readonly event_id: string | null;
  readonly event_type: string | null;
}

/**
 * One page of an organization's dead letters, newest first, by keyset on the row id. The
 * organization is the record's `ce_orgid` header (see the migration adding
 * dead_letters.organization_id); records without it are nobody's. Cursors are positions: a
 * cursor whose row is gone still pages.
 */
export async function listDeadLetters(
  db: Database,
  organizationId: string,
  limit: number,
  cursor: { readonly startingAfter?: bigint | undefined; readonly endingBefore?: bigint | undefined },
): Promise<{ rows: DeadLetterRow[]; hasMore: boolean }> {
  const backwards = cursor.endingBefore !== undefined;
  const bound = cursor.startingAfter ?? cursor.endingBefore;
  const { rows } = await db.query<DeadLetterRow>(
    `select id::text, group_id, topic, partition, kafka_offset::text, reason_code, reason, failed_at, key,
            headers ->> 'ce_id' as event_id, headers ->> 'ce_type' as event_type
       from dead_letters
      where organization_id = $1 ${bound === undefined ? '' : `and id ${backwards ? '>' : '<'} $3`}
      order by id ${backwards ? 'asc' : 'desc'}
      limit $2`,
    bound === undefined ? [organizationId, limit + 1] : [organizationId, limit + 1, bound.toString()],
  );
  return pageOf(rows, limit, backwards);
}
