import type { Database } from './query.js';
import { createBatchId } from '../core/ids.js';

/** A delivery a worker holds (leases) while it sends it. */
export interface ClaimedDelivery {
  readonly id: string;
  readonly destinationId: string;
  readonly eventId: string;
  readonly eventType: string;
  readonly entityId: string;
  /** The event object as JSON text, exactly as stored. */
  readonly payload: string;
  /** Attempts made, the one this claim opened included. */
  readonly timesAttempted: number;
  readonly scheduleBase: number;
  /** When the current retry schedule's first attempt was made (this claim's, for a first attempt). */
  readonly scheduleStartedAt: Date;
  readonly batchId: string | null;
  /** Fan-out order (bigint as text). */
  readonly seq: string;
  /** The claim took it from a worker whose lease ran out: that worker's attempt is on record as `unknown`. */
  readonly tookOver: boolean;
}

export interface ClaimRequest {
  readonly destinationId: string;
  /** `per_entity`: only the earliest unsettled delivery of each entity is due. */
  readonly perEntity: boolean;
  readonly limit: number;
  readonly owner: string;
  /** How long the lease lasts: past it, another worker may take the delivery (its holder crashed). */
  readonly leaseMs: number;
}

// The payload is the event's one row in delivery_payloads (p), shared by its deliveries.
const columns = `d.id, d.destination_id as "destinationId", d.event_id as "eventId", d.event_type as "eventType", d.entity_id as "entityId", p.payload::text as payload,
  d.times_attempted as "timesAttempted", d.schedule_base as "scheduleBase",
  d.schedule_started_at as "scheduleStartedAt", d.batch_id as "batchId", d.seq::text as seq`;

// What a claim reads of the row it locks, for the attempt a worker whose lease ran out left
// unanswered: FOR UPDATE gives the row's latest version. `alias` is the locked row.
const held = (alias: string) => `${alias}.lease_owner is not null as held, ${alias}.times_attempted as held_attempt,
  ${alias}.last_attempt_at as held_at, ${alias}.batch_id as held_batch`;

// Due, not leased (or its lease ran out), and under per_entity the first of its entity. The
// destination must still be active: a pause takes effect at the next claim, not only once the
// workers have reloaded their list of destinations. `destination` and `perEntity` are SQL: a
// parameter, or a column of the claim list.
const due = (alias: string, destination = '$1', perEntity = '$2::boolean') => `${alias}.destination_id = ${destination}
  and ${alias}.status in ('pending', 'needs_retry')
  and exists (select 1 from destinations s where s.id = ${alias}.destination_id and s.active and s.deleted_at is null)
  and ${alias}.next_attempt_at <= now() and (${alias}.lease_expires_at is null or ${alias}.lease_expires_at < now())
  and (not ${perEntity} or not exists (
    select 1 from deliveries e
     where e.destination_id = ${alias}.destination_id and e.entity_type = ${alias}.entity_type and e.entity_id = ${alias}.entity_id
       and e.status in ('pending', 'needs_retry') and not e.test and e.seq < ${alias}.seq))`;

/**
 * Leases up to `limit` due deliveries of one destination, oldest due first. SKIP LOCKED lets
 * several streamers claim side by side without taking the same delivery.
 */
export async function claimDeliveries(db: Database, request: ClaimRequest): Promise<ClaimedDelivery[]> {
  return claimForDestinations(db, request.owner, [request]);
}

/** One destination's share of a claim for many. */
export type DestinationClaim = Omit<ClaimRequest, 'owner'>;

/**
 * Leases due deliveries of many destinations in one statement, each up to its own `limit`,
 * oldest due first within each: one round trip whether ten destinations have work or a thousand.
 */
export async function claimForDestinations(db: Database, owner: string, claims: readonly DestinationClaim[]): Promise<ClaimedDelivery[]> {
  if (claims.length === 0) return [];
  const { rows } = await db.query<ClaimedDelivery>(
    `with wanted as (
       select * from unnest($1::text[], $2::boolean[], $3::int[], $4::double precision[]) as w(destination_id, per_entity, lim, lease_ms)),
     picked as (
       select p.*, w.lease_ms from wanted w cross join lateral (
         select c.id, ${held('c')} from deliveries c where ${due('c', 'w.destination_id', 'w.per_entity')}
          order by c.next_attempt_at, c.seq limit w.lim for update skip locked) p),
     ${openAttempts('picked', '', '$5', 'picked.lease_ms')}`,
    [
      claims.map((claim) => claim.destinationId),
      claims.map((claim) => claim.perEntity),
      claims.map((claim) => claim.limit),
      claims.map((claim) => claim.leaseMs),
      owner,
    ],
  );
  return sortBySeq(rows);
}

/**
 * The end of every claim: lease the picked rows and count the attempt in them (`times_attempted`,
 * `last_attempt_at`), on the record before a byte is sent; the attempt's own row is written once,
 * with its outcome (complete-attempt.ts), and until then reads as `sending`. A row still leased by
 * a worker whose lease ran out had an attempt that worker never answered: it goes on record as
 * `unknown` (the receiver may or may not have seen it). `picked` has the `held` columns; `owner`
 * and `leaseMs` are SQL: the owner, and the lease in ms.
 */
function openAttempts(picked: string, alsoSet: string, owner = '$4', leaseMs = '$5'): string {
  return `claimed as (
       update deliveries d set lease_owner = ${owner}, lease_expires_at = now() + make_interval(secs => ${leaseMs}::double precision / 1000),
              times_attempted = d.times_attempted + 1, last_attempt_at = now(),
              schedule_started_at = coalesce(d.schedule_started_at, now()), updated_at = now()${alsoSet}
         from ${picked}, delivery_payloads p
        where d.id = ${picked}.id and p.organization_id = d.organization_id and p.event_id = d.event_id and p.test = d.test
       returning ${columns}, ${picked}.held as "tookOver"),
     abandoned as (
       insert into delivery_attempts (delivery_id, attempt, attempted_at, outcome, error, batch_id)
       select x.id, x.held_attempt, coalesce(x.held_at, now()), 'unknown', ${abandonedError}, x.held_batch
         from ${picked} x where x.held and x.held_attempt > 0
       ${unknownOverSending})
     select * from claimed`;
}

/**
 * Batch mode: leases one batch. A batch that failed before is retried whole (its webhook-id
 * stays); otherwise up to `limit` due deliveries form a new batch, but only once there are
 * `limit` of them or the oldest has waited `maxWaitMs`.
 */
export async function claimBatch(db: Database, request: ClaimRequest & { readonly maxWaitMs: number }): Promise<ClaimedDelivery[]> {
  const retried = await db.query<ClaimedDelivery>(
    `with head as (
       select c.batch_id from deliveries c where ${due('c')} and c.batch_id is not null
        order by c.next_attempt_at, c.seq limit 1 for update skip locked),
     members as (
       select d.id, ${held('d')} from deliveries d, head where d.batch_id = head.batch_id and d.status in ('pending', 'needs_retry')
        order by d.seq limit $3 for update skip locked),
     ${openAttempts('members', '')}`,
    [request.destinationId, request.perEntity, request.limit, request.owner, request.leaseMs],
  );
  if (retried.rows.length > 0) return sortBySeq(retried.rows);
  const fresh = await db.query<ClaimedDelivery>(
    `with picked as (
       select c.id, c.next_attempt_at, ${held('c')} from deliveries c where ${due('c')} and c.batch_id is null
        order by c.next_attempt_at, c.seq limit $3 for update skip locked),
     ready as (
       select * from picked
        where (select count(*) from picked) >= $3
           or (select min(next_attempt_at) from picked) <= now() - make_interval(secs => $6::double precision / 1000)),
     ${openAttempts('ready', ', batch_id = $7')}`,
    [request.destinationId, request.perEntity, request.limit, request.owner, request.leaseMs, request.maxWaitMs, createBatchId()],
  );
  return sortBySeq(fresh.rows);
}

/**
 * An attempt marked unknown that already has a row: one written with its answer stays; one left
 * `sending` by a streamer from before attempts were written once (migration 042) becomes unknown.
 */
export const unknownOverSending = `on conflict (delivery_id, attempt) do update set outcome = 'unknown', error = excluded.error
         where delivery_attempts.outcome = 'sending'`;

/** What an attempt says when its worker stopped (crashed, lost the database) before recording an answer. */
export const abandonedAttemptError = 'worker stopped before the answer';
const abandonedError = `'${abandonedAttemptError}'`;

/** UPDATE … RETURNING gives rows in no set order; they are sent in fan-out order. */
function sortBySeq(rows: ClaimedDelivery[]): ClaimedDelivery[] {
  return rows.sort((a, b) => (BigInt(a.seq) < BigInt(b.seq) ? -1 : 1));
}

/**
 * Hands back deliveries claimed but never sent (claimed ahead, then not needed): the lease is freed
 * and the claim's count of the attempt undone, as if the claim had not been made. Only while this
 * owner still holds each for that attempt. Returns how many.
 */
export async function unclaimDeliveries(
  db: Database,
  owner: string,
  deliveries: readonly { readonly id: string; readonly timesAttempted: number }[],
): Promise<number> {
  if (deliveries.length === 0) return 0;
  const { rowCount } = await db.query(
    `with given as (
       select * from unnest($2::text[], $3::int[]) as g(id, attempt))
     update deliveries d
        set lease_owner = null, lease_expires_at = null, times_attempted = d.times_attempted - 1,
            schedule_started_at = case when d.times_attempted - 1 = d.schedule_base then null else d.schedule_started_at end,
            last_attempt_at = (select max(a.attempted_at) from delivery_attempts a where a.delivery_id = d.id and a.attempt < g.attempt)
       from given g
      where d.id = g.id and d.lease_owner = $1 and d.times_attempted = g.attempt and d.status in ('pending', 'needs_retry')`,
    [owner, deliveries.map((delivery) => delivery.id), deliveries.map((delivery) => delivery.timesAttempted)],
  );
  return rowCount ?? 0;
}
