import type pg from 'pg';
import { isDataError } from '../../adapters/database.js';
import { storedContentFilter } from '../../core/content-filter.js';
import { subscriptionMatches, type Subscription } from '../../core/destination-match.js';
import { createDeliveryId, eventIdTime } from '../../core/ids.js';
import { lockPosition, storePosition, type PartitionKey } from '../../store/lock-position.js';
import { noticeDueDeliveries } from '../../store/delivery-notices.js';
import { planOffsets } from '../offsets.js';

/** An event to fan out, with the fields matching reads and the payload every destination gets. */
export interface FanOutEvent {
  readonly id: string;
  readonly organizationId: string;
  readonly type: string;
  readonly severity: string;
  readonly entityType: string;
  readonly entityId: string;
  /** The event object as the Events API serves it, as JSON text. */
  readonly payload: string;
}

/** One fetched record: its event, or why it has none (the materializer dead-letters such records). */
export type FanOutItem = { readonly offset: string; readonly event: FanOutEvent } | { readonly offset: string; readonly skipped: string };

export type FanOutOutcome =
  | {
      readonly kind: 'written';
      /** Deliveries recorded (a record fanned out before is not recorded again). */
      readonly deliveries: number;
      /** The destinations those deliveries are for. */
      readonly destinationIds: readonly string[];
      /** Records below the stored position: fanned out before. */
      readonly below: number;
      /** Records with no event, or an event PostgreSQL refused, with the reason. */
      readonly skipped: readonly { readonly offset: string; readonly reason: string }[];
      readonly lost?: { readonly from: bigint; readonly to: bigint };
    }
  | { readonly kind: 'rewind'; readonly to: bigint };

interface SubscriptionRow {
  readonly id: string;
  readonly organization_id: string;
  readonly event_types: string[];
  readonly severities: string[] | null;
  readonly entity_types: string[] | null;
  readonly created_at: Date;
  readonly filter: unknown;
}

/**
 * Records one delivery per (event, destination that subscribes to it), with the event's payload
 * stored once, and moves the partition's stored position past the batch, in one transaction:
 * after a crash the batch is either wholly fanned out or not at all, so no event reaches a
 * destination's queue twice or never. Items come in offset order.
 */
export async function fanOut(
  client: pg.ClientBase,
  key: PartitionKey,
  items: readonly FanOutItem[],
  logStart: () => Promise<bigint>,
  sender = 'fan-out',
): Promise<FanOutOutcome> {
  try {
    return await fanOutOnce(client, key, items, logStart, sender);
  } catch (error) {
    if (!isDataError(error)) throw error;
    // A value PostgreSQL refuses (a NUL in a string): halve until the one event is found, then skip it.
    if (items.length === 1) {
      const [item] = items as [FanOutItem];
      return fanOutOnce(
        client,
        key,
        [{ offset: item.offset, skipped: `PostgreSQL refused the event: ${(error as Error).message}` }],
        logStart,
        sender,
      );
    }
    const half = Math.ceil(items.length / 2);
    const first = await fanOut(client, key, items.slice(0, half), logStart, sender);
    if (first.kind === 'rewind') return first;
    const second = await fanOut(client, key, items.slice(half), logStart, sender);
    if (second.kind === 'rewind') return second;
    return {
      kind: 'written',
      deliveries: first.deliveries + second.deliveries,
      destinationIds: [...new Set([...first.destinationIds, ...second.destinationIds])],
      below: first.below + second.below,
      skipped: [...first.skipped, ...second.skipped],
      ...(first.lost ? { lost: first.lost } : {}),
    };
  }
}

async function fanOutOnce(
  client: pg.ClientBase,
  key: PartitionKey,
  items: readonly FanOutItem[],
  logStart: () => Promise<bigint>,
  sender: string,
): Promise<FanOutOutcome> {
  const first = BigInt((items[0] as FanOutItem).offset);
  const last = BigInt((items[items.length - 1] as FanOutItem).offset);
  await client.query('begin');
  try {
    const plan = await planOffsets(await lockPosition(client, key), first, last, logStart);
    if (plan.kind === 'rewind') {
      await client.query('rollback');
      return plan;
    }
    if (plan.kind === 'done') {
      await client.query('rollback');
      return { kind: 'written', deliveries: 0, destinationIds: [], below: items.length, skipped: [] };
    }
    const fresh = items.filter((item) => BigInt(item.offset) >= plan.from);
    const events = fresh.flatMap((item) => ('event' in item ? [item.event] : []));
    const { deliveries, destinationIds } = await insertDeliveries(client, events);
    // Delivered on commit: every other streamer's workers claim for these destinations at once.
    if (deliveries > 0) await noticeDueDeliveries(client, destinationIds, sender);
    await storePosition(client, key, last + 1n);
    await client.query('commit');
    return {
      kind: 'written',
      deliveries,
      destinationIds: deliveries > 0 ? destinationIds : [],
      below: items.length - fresh.length,
      skipped: fresh.flatMap((item) => ('skipped' in item ? [{ offset: item.offset, reason: item.skipped }] : [])),
      ...(plan.lost ? { lost: plan.lost } : {}),
    };
  } catch (error) {
    await client.query('rollback').catch(() => undefined);
    throw error;
  }
}

async function insertDeliveries(
  client: pg.ClientBase,
  events: readonly FanOutEvent[],
): Promise<{ deliveries: number; destinationIds: string[] }> {
  const none = { deliveries: 0, destinationIds: [] };
  if (events.length === 0) return none;
  const organizations = [...new Set(events.map((event) => event.organizationId))];
  // Read in the transaction: a destination created or deleted before it commits is seen. Paused
  // and disabled destinations get their deliveries too: they are held until it is active again.
  const { rows } = await client.query<SubscriptionRow>(
    `select id, organization_id, event_types, severities, entity_types, created_at, filter from destinations
      where organization_id = any($1::text[]) and deleted_at is null`,
    [organizations],
  );
  if (rows.length === 0) return none;
  const subscriptions = rows.map((row): Subscription & { id: string } => ({
    id: row.id,
    organizationId: row.organization_id,
    eventTypes: row.event_types,
    severities: row.severities,
    entityTypes: row.entity_types,
    createdAt: row.created_at.getTime(),
    filter: storedContentFilter(row.filter),
  }));
  const columns = { id: [] as string[], organization: [] as string[], destination: [] as string[], event: [] as string[] };
  const more = { type: [] as string[], entityType: [] as string[], entityId: [] as string[] };
  // One payload per event that has a delivery, whatever its number of destinations. A record
  // published twice carries the same event id: its first payload is kept, as its first deliveries are.
  const payloads = new Map<string, { organization: string; event: string; payload: string }>();
  for (const event of events) {
    let object: unknown;
    // Parsed once per event, and only when a destination's filter reads it.
    const matchable = { ...event, madeAt: eventIdTime(event.id), object: () => (object ??= parseObject(event.payload)) };
    for (const subscription of subscriptions) {
      if (!subscriptionMatches(subscription, matchable)) continue;
      columns.id.push(createDeliveryId());
      columns.organization.push(event.organizationId);
      columns.destination.push(subscription.id);
      columns.event.push(event.id);
      more.type.push(event.type);
      more.entityType.push(event.entityType);
      more.entityId.push(event.entityId);
      const key = `${event.organizationId}\u0000${event.id}`;
      if (!payloads.has(key)) payloads.set(key, { organization: event.organizationId, event: event.id, payload: event.payload });
    }
  }
  if (columns.id.length === 0) return none;
  const shared = [...payloads.values()];
  // The payloads go in with their deliveries, in one statement. A payload stored before (the event
  // fanned out again, to a destination it did not reach) gets `used_at` renewed rather than left
  // alone: retention deletes payloads no delivery refers to once they are unused for long, and
  // the renewal is what stops it deleting one these new deliveries are about to refer to.
  // unnest keeps the array order, so seq follows the partition's offsets (per_entity ordering relies on it).
  const { rowCount } = await client.query(
    `with payloads as (
       insert into delivery_payloads (organization_id, event_id, test, payload)
       select p.organization_id, p.event_id, false, p.payload
         from unnest($8::text[], $9::text[], $10::jsonb[]) as p(organization_id, event_id, payload)
       on conflict (organization_id, event_id, test) do update set used_at = now())
     insert into deliveries (id, organization_id, destination_id, event_id, event_type, entity_type, entity_id, next_attempt_at)
     select d.id, d.organization_id, d.destination_id, d.event_id, d.event_type, d.entity_type, d.entity_id, now()
       from unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[])
            with ordinality as d(id, organization_id, destination_id, event_id, event_type, entity_type, entity_id, n)
      order by d.n
     on conflict (destination_id, event_id) where not test do nothing`,
    [
      columns.id,
      columns.organization,
      columns.destination,
      columns.event,
      more.type,
      more.entityType,
      more.entityId,
      shared.map((row) => row.organization),
      shared.map((row) => row.event),
      shared.map((row) => row.payload),
    ],
  );
  return { deliveries: rowCount ?? 0, destinationIds: [...new Set(columns.destination)] };
}

/** The event object of a payload; one that is not JSON (never written so) fails every filter rather than the batch. */
function parseObject(payload: string): unknown {
  try {
    return JSON.parse(payload) as unknown;
  } catch {
    return null;
  }
}
