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
  /** How often an organization with listeners is polled. */
  readonly pollMs: number;
  /** Events read per poll; a full page is followed at once by the next. */
  readonly pageSize?: number;
}

export interface Feeds {
  subscribe(organizationId: string, listener: FeedListener): Promise<Subscription>;
  /** How many organizations are being polled. */
  readonly size: number;
  close(): void;
}

interface Feed {
  position: StreamPosition;
  readonly listeners: Set<FeedListener>;
  stopped: boolean;
}

/**
 * One poller per organization with live-tail clients, shared by all of them: each poll reads the
 * organization's events after the feed's position (see readEventsAfter for why nothing can appear
 * behind it later) and hands them to every listener, which applies its own filters. A feed stops
 * when its last listener leaves.
 */
export function createFeeds(options: FeedsOptions): Feeds {
  const feeds = new Map<string, Promise<Feed>>();
  const pageSize = options.pageSize ?? 500;
  let closed = false;

  async function start(organizationId: string): Promise<Feed> {
    const feed: Feed = { position: await readStreamHead(options.query), listeners: new Set(), stopped: false };
    let failing = false;
    const stop = () => {
      feed.stopped = true;
      feeds.delete(organizationId);
    };
    const poll = async (): Promise<void> => {
      if (feed.listeners.size === 0 || closed) return stop();
      let rows: StreamRow[] = [];
      try {
        rows = await readEventsAfter(options.query, organizationId, feed.position, pageSize);
        if (failing) options.logger.info({ organizationId }, 'live tail reading the event store again');
        failing = false;
      } catch (error) {
        if (!failing) options.logger.warn({ err: error, organizationId }, 'live tail cannot read the event store; retrying');
        failing = true;
      }
      for (const row of rows) {
        feed.position = { txId: BigInt(row.tx_id), id: row.id };
        for (const listener of feed.listeners) listener.onEvent(row, feed.position);
      }
      if (feed.listeners.size === 0 || closed) return stop();
      setTimeout(() => void poll(), rows.length === pageSize ? 0 : options.pollMs).unref();
    };
    setTimeout(() => void poll(), options.pollMs).unref();
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
    get size() {
      return feeds.size;
    },
    close() {
      closed = true;
    },
  };
}
