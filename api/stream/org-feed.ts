import type { Logger } from '../../adapters/logger.js';
import { readEventsAfter, readStreamHead, type StreamPosition, type StreamRow } from '../../store/read-events-after.js';
import type { Database } from '../../store/query.js';

/** Receives an organization's new events in commit order, each with its position. */
export interface FeedListener {
  onEvent(row: StreamRow, position: StreamPosition): void;
}

export interface Subscription {
  /** Where the feed stood when the listener joined: it receives every event after this. */
  readonly position: StreamPosition;
  unsubscribe(): void;
}

export interface FeedsOptions {
  readonly query: Database;
  readonly logger: Logger;
  /** How often an organization with listeners is polled when nothing wakes it (the safety net under `wake`). */
  readonly pollMs: number;
  /** Events read per poll; a full page is followed at once by the next. */
  readonly pageSize?: number;
}

export interface Feeds {
  subscribe(organizationId: string, listener: FeedListener): Promise<Subscription>;
  /** New events were committed for these organizations (undefined: for any): their feeds read now. */
  wake(organizationIds: readonly string[] | undefined): void;
  /** How many organizations are being polled. */
  readonly size: number;
  close(): void;
}

interface Feed {
  position: StreamPosition;
  readonly listeners: Set<FeedListener>;
  stopped: boolean;
  /** Reads now, or right after the read under way. */
  wake(): void;
}

/**
 * One reader per organization with live-tail clients, shared by all of them: each read takes the
 * organization's events after the feed's position (see readEventsAfter for why nothing can appear
 * behind it later) and hands them to every listener, which applies its own filters. A feed reads
 * when woken (a commit's notice, see store/event-notices.ts) and every `pollMs` as a safety net;
 * one read at a time, a wake-up during a read reads again right after it. A feed stops when its
 * last listener leaves.
 */
/** After a wake-up, reads that find nothing are tried again 25 ms later, then twice as long each time up to 1 s: 16 reads, about 11 s. */
const chaseFirstMs = 25;
const chaseMaxMs = 1_000;
const chaseReads = 16;

export function createFeeds(options: FeedsOptions): Feeds {
  const feeds = new Map<string, Promise<Feed>>();
  const pageSize = options.pageSize ?? 500;
  let closed = false;

  async function start(organizationId: string): Promise<Feed> {
    let timer: NodeJS.Timeout | undefined;
    let reading = false;
    let again = false;
    // Reads left after a wake-up, and the wait before the next: a commit's events stay out of reach
    // while an older transaction anywhere in the database is still open (readEventsAfter), so a read
    // that finds nothing after a notice looks again soon, then less and less often, not at the next poll.
    let chase = 0;
    let chaseDelay = chaseFirstMs;
    const feed: Feed = {
      position: await readStreamHead(options.query),
      listeners: new Set(),
      stopped: false,
      wake: () => {
        chase = chaseReads;
        chaseDelay = chaseFirstMs;
        if (reading) again = true;
        else if (!feed.stopped) schedule(0);
      },
    };
    let failing = false;
    const stop = () => {
      clearTimeout(timer);
      feed.stopped = true;
      feeds.delete(organizationId);
    };
    const schedule = (ms: number) => {
      clearTimeout(timer);
      timer = setTimeout(() => void poll(), ms).unref();
    };
    const poll = async (): Promise<void> => {
      if (feed.listeners.size === 0 || closed) return stop();
      reading = true;
      again = false;
      let rows: StreamRow[] = [];
      try {
        rows = await readEventsAfter(options.query, organizationId, feed.position, pageSize);
        if (failing) options.logger.info({ organizationId }, 'live tail reading the event store again');
        failing = false;
      } catch (error) {
        if (!failing) options.logger.warn({ err: error, organizationId }, 'live tail cannot read the event store; retrying');
        failing = true;
      } finally {
        reading = false;
      }
      for (const row of rows) {
        feed.position = { txId: BigInt(row.tx_id), id: row.id };
        for (const listener of feed.listeners) listener.onEvent(row, feed.position);
      }
      if (feed.listeners.size === 0 || closed) return stop();
      // Found what it was woken for, or gave up after about ten seconds.
      chase = rows.length > 0 ? 0 : Math.max(0, chase - 1);
      const chaseWait = chaseDelay;
      if (chase > 0) chaseDelay = Math.min(chaseDelay * 2, chaseMaxMs);
      schedule(
        rows.length === pageSize || (again && !failing) ? 0 : chase > 0 && !failing ? Math.min(chaseWait, options.pollMs) : options.pollMs,
      );
    };
    schedule(options.pollMs);
    return feed;
  }

  return {
    async subscribe(organizationId, listener) {
      for (;;) {
        let pending = feeds.get(organizationId);
        if (pending === undefined) {
          pending = start(organizationId);
          feeds.set(organizationId, pending);
          pending.catch(() => feeds.delete(organizationId));
        }
        const feed = await pending;
        if (feed.stopped) continue; // it stopped between lookup and now: start a fresh one
        feed.listeners.add(listener);
        return { position: feed.position, unsubscribe: () => feed.listeners.delete(listener) };
      }
    },
    wake(organizationIds) {
      const woken = organizationIds === undefined ? [...feeds.values()] : organizationIds.flatMap((id) => feeds.get(id) ?? []);
      for (const pending of woken) void pending.then((feed) => feed.wake()).catch(() => undefined);
    },
    get size() {
      return feeds.size;
    },
    close() {
      closed = true;
    },
  };
}
