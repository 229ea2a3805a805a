import { eventColumns, type EventRow } from './event-object.js';
import type { Database } from './query.js';

/**
 * A place in an organization's commit-ordered log: the writing transaction's id (xid8, as text)
 * and the event id. An empty id means "before every event of that transaction".
 */
export interface StreamPosition {
  readonly txId: bigint;
  readonly id: string;
}

export function comparePositions(a: StreamPosition, b: StreamPosition): number {
  if (a.txId !== b.txId) return a.txId < b.txId ? -1 : 1;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

export interface StreamRow extends EventRow {
  readonly tx_id: string;
}

/**
 * The organization's events after `after`, in commit order, but only those written by
 * transactions older than the oldest one still running: a transaction still open could commit
 * rows that would sort before ones already read, so the read stops at that horizon and every
 * position handed out is final (no gap later appears behind it).
 */
export async function readEventsAfter(db: Database, organizationId: string, after: StreamPosition, limit: number): Promise<StreamRow[]> {
  const { rows } = await db.query<StreamRow>(
    `select ${eventColumns}, e.tx_id::text as tx_id from events e
      where e.organization_id = $1 and (e.tx_id, e.id) > ($2::text::xid8, $3)
        and e.tx_id < pg_snapshot_xmin(pg_current_snapshot())
      order by e.tx_id, e.id
      limit $4`,
    [organizationId, after.txId.toString(), after.id, limit],
  );
  return rows;
}

/** Where the log stands now: everything after this position is yet to be read. */
export async function readStreamHead(db: Database): Promise<StreamPosition> {
  const { rows } = await db.query<{ xmin: string }>('select pg_snapshot_xmin(pg_current_snapshot())::text as xmin');
  // Transactions from xmin on may still commit: start just before the first of them.
  return { txId: BigInt(rows[0]?.xmin ?? '0') - 1n, id: '\uffff' };
}

/** The position of one of the organization's events, for resuming after it. */
export async function findEventPosition(db: Database, organizationId: string, id: string): Promise<StreamPosition | undefined> {
  const { rows } = await db.query<{ tx_id: string }>('select tx_id::text as tx_id from events where organization_id = $1 and id = $2', [
    organizationId,
    id,
  ]);
  const row = rows[0];
  return row && { txId: BigInt(row.tx_id), id };
}
