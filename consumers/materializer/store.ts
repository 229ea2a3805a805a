import type pg from 'pg';
import { isDataError } from '../../adapters/database.js';
import { eventIdTime } from '../../core/ids.js';
import { dayOf } from '../../store/event-partitions.js';
import { insertDeadLetters } from '../../store/insert-dead-letters.js';
import { insertEvents, prepareEventStaging, type LoggedEventRow } from '../../store/insert-events.js';
import { lockPosition, storePosition, type PartitionKey } from '../../store/lock-position.js';
import { planOffsets } from '../offsets.js';
import { deadLetter, type DeadLetter, type RawRecord } from './records.js';
import { noticeNewEvents } from '../../store/event-notices.js';

/** One fetched record with its event row, or as a dead letter. Items come in offset order. */
export type BatchItem =
  { readonly record: RawRecord; readonly row: LoggedEventRow } | { readonly record: RawRecord; readonly dead: DeadLetter };

export interface WriteRequest {
  readonly key: PartitionKey;
  readonly items: readonly BatchItem[];
  /** Rows of days before this one are not added to the log (retention would drop them); state still applies. */
  readonly cutoffDay: number | undefined;
  /** The partition's first offset in Kafka, asked only when the stored position does not cover the batch. */
  readonly logStart: () => Promise<bigint>;
  /** Sends dead letters to the dead-letter topic; called inside the transaction, before it commits. */
  readonly publishDeadLetters: (letters: readonly DeadLetter[]) => Promise<void>;
  /** Makes sure the log has a partition for each day. */
  readonly ensureDays: (days: Iterable<number>) => Promise<void>;
}

export type WriteOutcome =
  | {
      readonly kind: 'written';
      /** Log rows added (duplicates of stored events are not). */
      readonly inserted: number;
      /** Rows older than the retention, applied to state only. */
      readonly expired: number;
      /** Rows whose event was in the log already (a replay, or a producer's retry). */
      readonly duplicates: number;
      /** Records below the stored position: written before. */
      readonly skipped: number;
      readonly deadLetters: readonly DeadLetter[];
      readonly lost?: { readonly from: bigint; readonly to: bigint };
    }
  | { readonly kind: 'rewind'; readonly to: bigint };

/**
 * Writes one batch of one partition in one transaction: the events, the entities' state, the dead
 * letters and the partition's next position, or none of them. The position row is locked first
 * and decides what is written (see `planOffsets`), so a replayed batch, a batch fetched by a member
 * that has since lost the partition, or one fetched from Kafka's committed offset writes nothing
 * twice. A row PostgreSQL rejects (a data error) is found by halving the batch and becomes a dead
 * letter; the rest is written.
 */
export async function writeBatch(client: pg.ClientBase, request: WriteRequest): Promise<WriteOutcome> {
  try {
    return await writeOnce(client, request);
  } catch (error) {
    if (!isDataError(error)) throw error;
    const { items } = request;
    if (items.length === 1) {
      const [item] = items as [BatchItem];
      if (!('row' in item)) throw error;
      const dead = deadLetter(item.record, 'rejected', `PostgreSQL rejected event ${item.row.id}: ${(error as Error).message}`);
      return writeOnce(client, { ...request, items: [{ record: item.record, dead }] });
    }
    const half = Math.ceil(items.length / 2);
    const first = await writeBatch(client, { ...request, items: items.slice(0, half) });
    if (first.kind === 'rewind') return first;
    const second = await writeBatch(client, { ...request, items: items.slice(half) });
    if (second.kind === 'rewind') return second;
    return {
      kind: 'written',
      inserted: first.inserted + second.inserted,
      expired: first.expired + second.expired,
      duplicates: first.duplicates + second.duplicates,
      skipped: first.skipped + second.skipped,
      deadLetters: [...first.deadLetters, ...second.deadLetters],
      ...(first.lost ? { lost: first.lost } : {}),
    };
  }
}

async function writeOnce(client: pg.ClientBase, request: WriteRequest): Promise<WriteOutcome> {
  const { key, items, cutoffDay } = request;
  const firstOffset = BigInt((items[0] as BatchItem).record.offset);
  const lastOffset = BigInt((items[items.length - 1] as BatchItem).record.offset);
  const rows = items.flatMap((item) => ('row' in item ? [item.row] : []));
  const days = new Set(rows.map((row) => dayOf(eventIdTime(row.id))).filter((day) => cutoffDay === undefined || day >= cutoffDay));
  await request.ensureDays(days);

  await prepareEventStaging(client);
  await client.query('begin');
  try {
    const plan = await planOffsets(await lockPosition(client, key), firstOffset, lastOffset, request.logStart);
    if (plan.kind !== 'write') {
      await client.query('rollback');
      return plan.kind === 'rewind'
        ? plan
        : { kind: 'written', inserted: 0, expired: 0, duplicates: 0, skipped: items.length, deadLetters: [] };
    }
    const fresh = items.filter((item) => BigInt(item.record.offset) >= plan.from);
    const freshRows = fresh.flatMap((item) => ('row' in item ? [item.row] : []));
    const deadLetters = fresh.flatMap((item) => ('dead' in item ? [item.dead] : []));
    const staged = freshRows.map((row) => ({ row, inLog: cutoffDay === undefined || dayOf(eventIdTime(row.id)) >= cutoffDay }));
    const expired = staged.filter((item) => !item.inLog).length;
    const inserted = await insertEvents(client, staged);
    // Delivered on commit: the API's live tails read at once instead of at their next poll.
    if (inserted > 0)
      await noticeNewEvents(
        client,
        staged.filter((item) => item.inLog).map((item) => item.row.organization_id),
      );
    if (deadLetters.length > 0) {
      await request.publishDeadLetters(deadLetters);
      await insertDeadLetters(client, key.groupId, deadLetters);
    }
    await storePosition(client, key, lastOffset + 1n);
    await client.query('commit');
    return {
      kind: 'written',
      inserted,
      expired,
      duplicates: freshRows.length - expired - inserted,
      skipped: items.length - fresh.length,
      deadLetters,
      ...(plan.lost ? { lost: plan.lost } : {}),
    };
  } catch (error) {
    await client.query('rollback').catch(() => undefined);
    throw error;
  }
}
