import type { Database } from './query.js';

/** How long an idempotency key is kept: a retry within it gets the first answer back. */
export const ingestKeyHours = 24;

/** What a request holding an idempotency key may do. */
export type IngestClaim =
  /** First with the key, or the first request died before its events were acknowledged: publish these ids. */
  | { readonly kind: 'publish'; readonly eventIds: readonly string[] }
  /** Done before: answer this again. */
  | { readonly kind: 'replay'; readonly statusCode: number; readonly response: unknown }
  /** The key came with another request. */
  | { readonly kind: 'mismatch' }
  /** Another request with the key is publishing now. */
  | { readonly kind: 'in_flight' };

/**
 * Takes the key for `lockMs`: a new key stores the request's hash and the ids its events will
 * carry; a key whose earlier request failed or died before finishing is taken again with the ids
 * it stored, so a retry publishes the same events (consumers store an event id once).
 */
export async function claimIngestKey(
  db: Database,
  claim: {
    readonly organizationId: string;
    readonly key: string;
    readonly requestHash: Buffer;
    readonly eventIds: readonly string[];
    readonly lockMs: number;
  },
): Promise<IngestClaim> {
  const { rows } = await db.query<{ event_ids: string[] }>(
    `insert into ingest_requests as r (organization_id, idempotency_key, request_hash, event_ids, locked_until)
     values ($1, $2, $3, $4, now() + $5 * interval '1 millisecond')
     on conflict (organization_id, idempotency_key) do update set locked_until = excluded.locked_until
       where r.request_hash = excluded.request_hash and r.response is null
         and (r.locked_until is null or r.locked_until < now())
         and r.created_at > now() - $6 * interval '1 hour'
     returning r.event_ids`,
    [claim.organizationId, claim.key, claim.requestHash, claim.eventIds, claim.lockMs, ingestKeyHours],
  );
  if (rows[0] !== undefined) return { kind: 'publish', eventIds: rows[0].event_ids };
  const existing = await db.query<{ request_hash: Buffer; status_code: number | null; response: unknown; expired: boolean }>(
    `select request_hash, status_code, response, created_at <= now() - $3 * interval '1 hour' as expired
     from ingest_requests where organization_id = $1 and idempotency_key = $2`,
    [claim.organizationId, claim.key, ingestKeyHours],
  );
  const row = existing.rows[0];
  if (row === undefined || row.expired) {
    // Purged or expired between the two statements: the key is free again.
    await db.query(
      "delete from ingest_requests where organization_id = $1 and idempotency_key = $2 and created_at <= now() - $3 * interval '1 hour'",
      [claim.organizationId, claim.key, ingestKeyHours],
    );
    return claimIngestKey(db, claim);
  }
  if (!row.request_hash.equals(claim.requestHash)) return { kind: 'mismatch' };
  if (row.status_code !== null) return { kind: 'replay', statusCode: row.status_code, response: row.response };
  return { kind: 'in_flight' };
}

/** Stores the answer every retry with the key gets from now on. */
export async function completeIngestKey(
  db: Database,
  organizationId: string,
  key: string,
  statusCode: number,
  response: unknown,
): Promise<void> {
  await db.query(
    'update ingest_requests set status_code = $3, response = $4, locked_until = null where organization_id = $1 and idempotency_key = $2',
    [organizationId, key, statusCode, JSON.stringify(response)],
  );
}

/**
 * Holds the key `lockMs` longer while its request is still publishing (the request renews it
 * every few seconds): a key whose process died stops being renewed and frees itself soon.
 */
export async function renewIngestKey(db: Database, organizationId: string, key: string, lockMs: number): Promise<void> {
  await db.query(
    `update ingest_requests set locked_until = now() + $3 * interval '1 millisecond'
      where organization_id = $1 and idempotency_key = $2 and response is null and locked_until is not null`,
    [organizationId, key, lockMs],
  );
}

/** Frees the key after a failure, keeping its event ids for the retry. */
export async function releaseIngestKey(db: Database, organizationId: string, key: string): Promise<void> {
  await db.query('update ingest_requests set locked_until = null where organization_id = $1 and idempotency_key = $2', [
    organizationId,
    key,
  ]);
}

/** Frees the key for another request: the one that held it was refused, so nothing of it was published. */
export async function forgetIngestKey(db: Database, organizationId: string, key: string): Promise<void> {
  await db.query('delete from ingest_requests where organization_id = $1 and idempotency_key = $2 and response is null', [
    organizationId,
    key,
  ]);
}

/** Deletes the keys older than they are kept; returns how many. */
export async function purgeIngestKeys(db: Database): Promise<number> {
  const { rowCount } = await db.query("delete from ingest_requests where created_at <= now() - $1 * interval '1 hour'", [ingestKeyHours]);
  return rowCount ?? 0;
}
