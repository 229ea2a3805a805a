import type pg from 'pg';
import type { Logger } from '../adapters/logger.js';
import { listenForNotices, noticeChannel, sendNotice, type NoticeListener } from './notices.js';

/**
 * Wake-ups for readers of the event log (store/notices.ts): the materializer's transaction names
 * the organizations it wrote events of, and every API process's live tails of those read at once.
 */
export function eventNoticeChannel(schema: string): string {
  return noticeChannel('events', schema);
}

/** Inside the transaction that wrote events of these organizations. */
export function noticeNewEvents(client: pg.ClientBase, organizationIds: Iterable<string>): Promise<void> {
  return sendNotice(client, 'events', organizationIds);
}

export interface EventNoticeOptions {
  readonly url: string;
  readonly schema: string;
  readonly logger: Logger;
  /** The organizations a commit wrote events of; `undefined`: any of them may have new events (a long notice, or notices missed while reconnecting). */
  readonly onNotice: (organizationIds: readonly string[] | undefined) => void;
}

export function listenForEventNotices(options: EventNoticeOptions): NoticeListener {
  return listenForNotices({
    url: options.url,
    schema: options.schema,
    kind: 'events',
    logger: options.logger,
    applicationName: 'evp-api-notices',
    onNotice: (payload) => options.onNotice(payload === undefined || payload === '*' ? undefined : payload.split(',')),
  });
}
