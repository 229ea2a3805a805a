import { contentFilterMatches, type FilterNode } from './content-filter.js';
import { matchesAny } from './event-types.js';

/** What a destination subscribes to, as the streamer reads it when it fans an event out. */
export interface Subscription {
  readonly organizationId: string;
  readonly eventTypes: readonly string[];
  /** Null: every severity. */
  readonly severities: readonly string[] | null;
  /** Null: every entity type. */
  readonly entityTypes: readonly string[] | null;
  /** Events made before the destination existed are not sent to it (a replay can send them). */
  readonly createdAt: number;
  /** The content filter (core/content-filter.ts); null or absent: every event. */
  readonly filter?: FilterNode | null;
}

/** The fields of an event a subscription reads. `madeAt` is the time in its id. */
export interface MatchableEvent {
  readonly organizationId: string;
  readonly type: string;
  readonly severity: string;
  readonly entityType: string;
  readonly madeAt: number;
  /** The event object a content filter reads, parsed when a filter first asks for it. */
  readonly object?: () => unknown;
}

/** Whether a destination receives an event: same organization, a subscribed type, and every filter passes. */
export function subscriptionMatches(subscription: Subscription, event: MatchableEvent): boolean {
  return (
    subscription.organizationId === event.organizationId &&
    event.madeAt >= subscription.createdAt &&
    matchesAny(subscription.eventTypes, event.type) &&
    (subscription.severities === null || subscription.severities.includes(event.severity)) &&
    (subscription.entityTypes === null || subscription.entityTypes.includes(event.entityType)) &&
    (subscription.filter === undefined || subscription.filter === null || contentFilterMatches(subscription.filter, event.object?.()))
  );
}
