import type { ClaimedDelivery } from '../../store/claim-deliveries.js';

/**
 * Deliveries claimed ahead of a free slot, per destination: when an attempt's answer comes in,
 * the next one starts at once instead of after a claim's round trip to the database. Each is
 * leased and its attempt on record from its claim, so one that waits too long (its destination
 * slowed down) is handed back rather than sent late: `take` passes those to `onStale`.
 */
export interface ClaimedAhead {
  /** Up to `count` of the destination's, oldest claim first. */
  take(destinationId: string, count: number): ClaimedDelivery[];
  put(destinationId: string, deliveries: readonly ClaimedDelivery[]): void;
  size(destinationId: string): number;
  /** Every one held (of one destination, or all), to hand back. */
  drain(destinationId?: string): ClaimedDelivery[];
}

export function createClaimedAhead(options: {
  readonly maxAgeMs: number;
  readonly onStale: (deliveries: readonly ClaimedDelivery[]) => void;
}): ClaimedAhead {
  const held = new Map<string, { delivery: ClaimedDelivery; at: number }[]>();

  return {
    take(destinationId, count) {
      const queue = held.get(destinationId);
      if (queue === undefined || count <= 0) return [];
      const oldest = Date.now() - options.maxAgeMs;
      const stale = queue.filter((entry) => entry.at < oldest);
      const fresh = queue.filter((entry) => entry.at >= oldest);
      const taken = fresh.splice(0, count);
      if (fresh.length === 0) held.delete(destinationId);
      else held.set(destinationId, fresh);
      if (stale.length > 0) options.onStale(stale.map((entry) => entry.delivery));
      return taken.map((entry) => entry.delivery);
    },
    put(destinationId, deliveries) {
      if (deliveries.length === 0) return;
      const at = Date.now();
      const queue = held.get(destinationId) ?? [];
      queue.push(...deliveries.map((delivery) => ({ delivery, at })));
      held.set(destinationId, queue);
    },
    size(destinationId) {
      return held.get(destinationId)?.length ?? 0;
    },
    drain(destinationId) {
      const ids = destinationId === undefined ? [...held.keys()] : [destinationId];
      const drained = ids.flatMap((id) => (held.get(id) ?? []).map((entry) => entry.delivery));
      for (const id of ids) held.delete(id);
      return drained;
    },
  };
}
