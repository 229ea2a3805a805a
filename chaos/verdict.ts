import { setTimeout as sleep } from 'node:timers/promises';
import type { Load } from './load.js';
import type { Pipeline } from './pipeline.js';
import type { Tenant } from './tenant.js';
import { readStore, type StoreSnapshot } from './store-probe.js';

/** A scenario's figures once the pipeline has settled (or the bound ran out). */
export interface Figures {
  /** Publishes started, acknowledged, rejected. */
  readonly sent: number;
  readonly acked: number;
  readonly rejected: number;
  /** Acknowledged events found in `events`. */
  readonly stored: number;
  /** Rejected publishes that were stored anyway (the broker had them; the acknowledgement was lost): allowed. */
  readonly storedUnacknowledged: number;
  /** Acknowledged events missing from `events`. */
  readonly lost: number;
  /** Acknowledged events stored from another partition or offset than the one their publish was acknowledged with. */
  readonly misplaced: number;
  /** Event ids with more than one row. */
  readonly duplicates: number;
  /** Entities whose version is not their number of logged events (an event applied to the state twice, or skipped). */
  readonly versionMismatches: number;
  /** Entities whose state is not that of their newest event. */
  readonly stateMismatches: number;
  /** Acknowledged events whose delivery ended `delivered`. */
  readonly delivered: number;
  /** Deliveries by status (all of the scenario's, acknowledged or not). */
  readonly deliveryStatuses: Readonly<Record<string, number>>;
  /** Acknowledged events with no delivery at all. */
  readonly notFannedOut: number;
  /** Events with more than one delivery to the scenario's one destination. */
  readonly duplicateDeliveries: number;
  /** Deliveries `delivered` whose `webhook-id` the receiver never answered 2xx. */
  readonly deliveredUnseen: number;
  /** Attempts in `delivery_attempts`, requests the receiver saw. */
  readonly attempts: number;
  readonly requests: number;
  /** Requests beyond the attempts on record for their `webhook-id`: sends the log does not show. */
  readonly unlogged: number;
  /** Attempts that ended `succeeded` or `failed` beyond the requests the receiver saw for that id. */
  readonly phantom: number;
  /** Attempts that ended `unknown` with no request seen: the worker died before its request left (allowed). */
  readonly unknownUnsent: number;
  /** Requests whose Standard Webhooks signature did not verify. */
  readonly unverified: number;
  readonly deadLetters: number;
  /** Whether everything settled within the bound, and how long after the load stopped. */
  readonly settled: boolean;
  readonly settleMs: number;
}

/**
 * Polls the store until every acknowledged event is stored and has a delivery, and no delivery is
 * still pending or due for a retry; then counts. Never a fixed sleep: the bound only ends a wait
 * that would otherwise never end.
 */
export async function settle(
  pipeline: Pipeline,
  tenant: Tenant,
  load: Load,
  since: number,
  timeoutMs: number,
): Promise<{ figures: Figures; store: StoreSnapshot }> {
  const started = Date.now();
  const read = () => readStore(pipeline.pool, tenant.organizationId, since);
  let store: StoreSnapshot | undefined;
  let settled = false;
  let shape = '';
  let sameSince = Date.now();
  while (Date.now() - started < timeoutMs) {
    store = await read().catch(() => store);
    if (store && isSettled(store, load)) {
      settled = true;
      break;
    }
    // Nothing left to retry and nothing moved for a while: what is missing is not coming.
    const now = store ? `${store.events.size}/${store.deliveries.size}/${open(store)}` : '';
    if (now !== shape) [shape, sameSince] = [now, Date.now()];
    else if (store && open(store) === 0 && Date.now() - sameSince > stalledMs) break;
    await sleep(500);
  }
  store ??= await read();
  return { figures: count(store, tenant, load, settled, Date.now() - started), store };
}

/** How long the store may stay unchanged, with no delivery left to retry, before the wait gives up. */
const stalledMs = 30_000;

function open(store: StoreSnapshot): number {
  let count = 0;
  for (const rows of store.deliveries.values()) {
    for (const { status } of rows) if (status === 'pending' || status === 'needs_retry') count++;
  }
  return count;
}

function isSettled(store: StoreSnapshot, load: Load): boolean {
  if (open(store) > 0) return false;
  for (const id of load.acked.keys()) if (!store.events.has(id) || !store.deliveries.has(id)) return false;
  return true;
}

function count(store: StoreSnapshot, tenant: Tenant, load: Load, settled: boolean, settleMs: number): Figures {
  let stored = 0;
  let misplaced = 0;
  let delivered = 0;
  let notFannedOut = 0;
  for (const [id, placed] of load.acked) {
    const event = store.events.get(id);
    if (event) stored++;
    if (event && (event.partition !== placed.partition || event.offset !== placed.offset)) misplaced++;
    const deliveries = store.deliveries.get(id);
    if (deliveries === undefined) notFannedOut++;
    if (deliveries?.some(({ status }) => status === 'delivered')) delivered++;
  }
  let storedUnacknowledged = 0;
  for (const id of load.rejected.keys()) if (store.events.has(id)) storedUnacknowledged++;
  let duplicates = 0;
  for (const { rows } of store.events.values()) if (rows > 1) duplicates++;

  const accepted = new Set(
    tenant.receiver.received.filter((request) => request.status >= 200 && request.status < 300).map((request) => request.id),
  );
  const deliveryStatuses: Record<string, number> = {};
  let duplicateDeliveries = 0;
  let deliveredUnseen = 0;
  for (const rows of store.deliveries.values()) {
    if (rows.length > 1) duplicateDeliveries++;
    for (const { id, status } of rows) {
      deliveryStatuses[status] = (deliveryStatuses[status] ?? 0) + 1;
      if (status === 'delivered' && !accepted.has(id)) deliveredUnseen++;
    }
  }

  // Every request the receiver saw must be an attempt on record; an attempt that ended `succeeded`
  // or `failed` must be a request the receiver saw; one left `unknown` (its worker died) may not be.
  const requests = tenant.receiver.requestsById();
  let unlogged = 0;
  let phantom = 0;
  let unknownUnsent = 0;
  let attempts = 0;
  for (const [id, seen] of requests) unlogged += Math.max(0, seen - (store.attempts.get(id)?.all ?? 0));
  for (const [id, logged] of store.attempts) {
    attempts += logged.all;
    const seen = requests.get(id) ?? 0;
    phantom += Math.max(0, logged.concluded - seen);
    unknownUnsent += Math.min(logged.unknown, Math.max(0, logged.all - seen));
  }
  return {
    sent: load.sent(),
    acked: load.acked.size,
    rejected: load.rejected.size,
    stored,
    storedUnacknowledged,
    lost: load.acked.size - stored,
    misplaced,
    duplicates,
    versionMismatches: store.versionMismatches,
    stateMismatches: store.stateMismatches,
    delivered,
    deliveryStatuses,
    notFannedOut,
    duplicateDeliveries,
    deliveredUnseen,
    attempts,
    requests: tenant.receiver.received.length,
    unlogged,
    phantom,
    unknownUnsent,
    unverified: tenant.receiver.received.filter((request) => !request.verified).length,
    deadLetters: store.deadLetters.length,
    settled,
    settleMs,
  };
}

/** The guarantees every scenario holds the pipeline to; each broken one is a sentence. */
export function brokenGuarantees(figures: Figures, options: { deliveriesMayFail?: boolean } = {}): string[] {
  const problems: string[] = [];
  // A run that published nothing, or stored or delivered nothing, proves nothing.
  if (figures.acked === 0) problems.push('no publish was acknowledged: the scenario checked nothing');
  if (figures.lost > 0) problems.push(`${figures.lost} acknowledged events are not stored`);
  if (figures.misplaced > 0)
    problems.push(`${figures.misplaced} events are stored from another offset than their publish was acknowledged with`);
  if (figures.duplicates > 0) problems.push(`${figures.duplicates} events are stored more than once`);
  if (figures.versionMismatches > 0)
    problems.push(`${figures.versionMismatches} entities have a version other than their number of events`);
  if (figures.stateMismatches > 0) problems.push(`${figures.stateMismatches} entities do not hold their newest event's state`);
  if (figures.notFannedOut > 0) problems.push(`${figures.notFannedOut} acknowledged events have no delivery`);
  if (figures.duplicateDeliveries > 0)
    problems.push(`${figures.duplicateDeliveries} events have more than one delivery to one destination`);
  if (figures.deliveredUnseen > 0)
    problems.push(`${figures.deliveredUnseen} deliveries are marked delivered but the receiver never accepted them`);
  if (figures.unlogged > 0) problems.push(`${figures.unlogged} requests the receiver saw are not attempts on record`);
  if (figures.phantom > 0) problems.push(`${figures.phantom} attempts ended succeeded or failed for a request the receiver never saw`);
  if (figures.unverified > 0) problems.push(`${figures.unverified} requests failed signature verification`);
  const failed = figures.deliveryStatuses['failed'] ?? 0;
  if (failed > 0 && options.deliveriesMayFail !== true) problems.push(`${failed} deliveries failed for good`);
  if (options.deliveriesMayFail !== true && figures.delivered < figures.acked) {
    problems.push(`${figures.acked - figures.delivered} acknowledged events were not delivered`);
  }
  if (!figures.settled) problems.push(`not settled: waited ${Math.round(figures.settleMs / 1000)} s after the load stopped`);
  return problems;
}
