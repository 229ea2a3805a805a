import type { Logger } from '../adapters/logger.js';
import { listenForNotices, sendNotice, type NoticeListener } from './notices.js';
import type { Database } from './query.js';

/**
 * Wake-ups for delivery workers (store/notices.ts): whatever makes deliveries due now (a fan-out,
 * a retry, a replay, a test send) names their destinations, and every streamer's workers claim
 * for those at once instead of at their next poll. The sender's name rides along so a streamer
 * skips its own notices: it woke its workers itself when it committed.
 */
export function noticeDueDeliveries(db: Database, destinationIds: Iterable<string>, sender: string): Promise<void> {
  return sendNotice(db, 'deliveries', destinationIds, `${sender}|`);
}

export interface DeliveryNoticeOptions {
  readonly url: string;
  readonly schema: string;
  readonly logger: Logger;
  /** Notices this name sent are skipped. */
  readonly self: string;
  /** The destinations with deliveries due now; `undefined`: any may have (a long notice, or notices missed while reconnecting). */
  readonly onNotice: (destinationIds: readonly string[] | undefined) => void;
}

export function listenForDeliveryNotices(options: DeliveryNoticeOptions): NoticeListener {
  return listenForNotices({
    url: options.url,
    schema: options.schema,
    kind: 'deliveries',
    logger: options.logger,
    applicationName: 'evp-streamer-notices',
    onNotice: (payload) => {
      if (payload === undefined) return options.onNotice(undefined);
      const bar = payload.indexOf('|');
      if (bar >= 0 && payload.slice(0, bar) === options.self) return;
      const list = payload.slice(bar + 1);
      options.onNotice(list === '*' ? undefined : list.split(','));
    },
  });
}
