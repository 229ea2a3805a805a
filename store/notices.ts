import pg from 'pg';
import type { Logger } from '../adapters/logger.js';
import type { Database } from './query.js';

/**
 * Wake-ups across processes: a transaction sends a notice, and PostgreSQL delivers it when (and
 * only if) the transaction commits, to every session listening, in any process on any machine. A
 * notice only says "look again": readers still read from the tables, so a lost notice costs a
 * poll interval, never an event or a delivery. One channel per kind and schema: schemas are what
 * separate pipelines sharing a database.
 */
export type NoticeKind = 'events' | 'deliveries';

/** Longer payloads are cut to "everything" (PostgreSQL's limit is 8000 bytes). */
const maxPayload = 7_000;

export function noticeChannel(kind: NoticeKind, schema: string): string {
  return `evp_${kind}.${schema}`.slice(0, 63);
}

/**
 * Sends `items` (joined by commas; `*` when there are too many) after `prefix`, on the channel of
 * `kind` in the session's schema. Inside a transaction it is delivered on commit.
 */
export async function sendNotice(db: Database, kind: NoticeKind, items: Iterable<string>, prefix = ''): Promise<void> {
  const list = [...new Set(items)].join(',');
  if (list === '') return;
  await db.query(`select pg_notify(left('evp_${kind}.' || current_schema(), 63), $1)`, [prefix + (list.length > maxPayload ? '*' : list)]);
}

export interface NoticeListener {
  close(): Promise<void>;
}

export interface NoticeListenerOptions {
  readonly url: string;
  readonly schema: string;
  readonly kind: NoticeKind;
  readonly logger: Logger;
  /** Names the listening connection in pg_stat_activity. */
  readonly applicationName: string;
  /** A notice's text; `undefined` after (re)connecting, for whatever was committed while nobody listened. */
  readonly onNotice: (payload: string | undefined) => void;
}

/**
 * Listens on one connection of its own. A lost connection is opened again (1 s, then up to 10 s
 * apart) and then calls `onNotice(undefined)`, for the notices missed meanwhile.
 */
export function listenForNotices(options: NoticeListenerOptions): NoticeListener {
  const channel = noticeChannel(options.kind, options.schema);
  let client: pg.Client | undefined;
  let closed = false;
  let retryMs = 1_000;
  let timer: NodeJS.Timeout | undefined;
  let failing = false;

  const connect = async (): Promise<void> => {
    if (closed) return;
    const next = new pg.Client({ connectionString: options.url, application_name: options.applicationName, keepAlive: true });
    next.on('notification', (message) => {
      if (message.channel === channel) options.onNotice(message.payload ?? '*');
    });
    const lost = (error?: Error) => {
      if (client !== next || closed) return;
      client = undefined;
      options.logger.warn({ error: error?.message, channel }, 'the notice connection was lost; polling until it is back');
      void next.end().catch(() => undefined);
      schedule();
    };
    next.on('error', lost);
    next.on('end', () => lost());
    try {
      await next.connect();
      await next.query(`listen ${next.escapeIdentifier(channel)}`);
      if (closed) {
        await next.end().catch(() => undefined);
        return;
      }
      client = next;
      retryMs = 1_000;
      if (failing) options.logger.info({ channel }, 'listening for notices again');
      failing = false;
      options.onNotice(undefined);
    } catch (error) {
      await next.end().catch(() => undefined);
      if (!failing) options.logger.warn({ error: (error as Error).message, channel }, 'cannot listen for notices; polling meanwhile');
      failing = true;
      schedule();
    }
  };

  const schedule = () => {
    if (closed) return;
    clearTimeout(timer);
    timer = setTimeout(() => void connect(), retryMs).unref();
    retryMs = Math.min(retryMs * 2, 10_000);
  };

  void connect();
  return {
    async close() {
      closed = true;
      clearTimeout(timer);
      const current = client;
      client = undefined;
      await current?.end().catch(() => undefined);
    },
  };
}
