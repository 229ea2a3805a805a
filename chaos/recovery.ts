import { setTimeout as sleep } from 'node:timers/promises';
import { eventIdTime, isEventId } from '../core/ids.js';
import type { Pipeline } from './pipeline.js';
import type { Tenant } from './tenant.js';
import { firstStoredAfter } from './store-probe.js';

/** One injected fault and how the pipeline came back from it. */
export interface Fault {
  /** What was done, e.g. "SIGKILL materializer". */
  readonly what: string;
  /** When it was injected (ms since the epoch). */
  readonly at: number;
  /** When the process or dependency was back: spawned again, answering again (ms since the epoch). */
  readonly backAt: number;
  /** From `backAt` to the first event row written after it; null when none came within the bound, undefined when not measured. */
  recoverStoreMs?: number | null;
  /** From `backAt` to the first delivery the receiver accepted after it; null or undefined as above. */
  recoverDeliverMs?: number | null;
}

export interface ProgressOptions {
  readonly store?: boolean;
  readonly deliver?: boolean;
  /** Only progress on events of this entity (one whose schema needed the registry). */
  readonly entityType?: string;
  /**
   * Only progress on events made after `createdAfter` (ms) on these partitions (`topic:partition`),
   * those a dead or stopped Kafka node led: its failover. `placement` says where an acknowledged event went.
   */
  readonly scope?: {
    /** Undefined: every partition. */
    readonly partitions: readonly string[] | undefined;
    readonly createdAfter: number;
    readonly placement: (eventId: string) => string | undefined;
  };
  readonly timeoutMs?: number;
}

/**
 * Waits for the first progress after `fault.backAt`, polling the store every 100 ms (the row's own
 * `ingested_at` gives the time, so the poll interval does not blur it) and reading the receiver's
 * log for deliveries; records the times in the fault.
 */
export async function measureRecovery(pipeline: Pipeline, tenant: Tenant, fault: Fault, options: ProgressOptions): Promise<Fault> {
  const deadline = Date.now() + (options.timeoutMs ?? 90_000);
  const wantStore = options.store ?? false;
  const wantDeliver = options.deliver ?? false;
  let stored: number | undefined;
  let delivered: number | undefined;
  const { entityType, scope } = options;
  const accept = (event: { id?: unknown; type?: unknown }) =>
    (entityType === undefined || (typeof event.type === 'string' && event.type.startsWith(`${entityType}.`))) &&
    (scope === undefined ||
      (typeof event.id === 'string' &&
        isEventId(event.id) &&
        eventIdTime(event.id) > scope.createdAfter &&
        (scope.partitions === undefined || scope.partitions.includes(scope.placement(event.id) ?? ''))));
  const filter = { entityType, partitions: scope?.partitions, createdAfter: scope?.createdAfter };
  while (Date.now() < deadline) {
    if (wantStore && stored === undefined) {
      stored = await firstStoredAfter(pipeline.pool, tenant.organizationId, fault.backAt, filter).catch(() => undefined);
    }
    if (wantDeliver && delivered === undefined) delivered = tenant.receiver.firstAcceptedAfter(fault.backAt, accept);
    if ((!wantStore || stored !== undefined) && (!wantDeliver || delivered !== undefined)) break;
    await sleep(100);
  }
  if (wantStore) fault.recoverStoreMs = stored === undefined ? null : Math.max(0, stored - fault.backAt);
  if (wantDeliver) fault.recoverDeliverMs = delivered === undefined ? null : Math.max(0, delivered - fault.backAt);
  return fault;
}
