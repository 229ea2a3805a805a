import pg from 'pg';
import type { Logger } from '../adapters/logger.js';

/**
 * Wake-ups for readers of the event log: the materializer's transaction sends a notice naming the
 * organizations it wrote events of, and PostgreSQL delivers it when (and only if) the transaction
 * commits, to every session listening, in any process on any machine. A notice only says "look
 * again": readers still read the log from their position, so a lost notice costs a poll interval,
 * never an event. One channel per schema: schemas are what separate pipelines sharing a database.
 */
const channelSql = `left('evp_events.' || current_schema(), 63)`;
/** Longer payloads are cut to "every organization" (PostgreSQL's limit is 8000 bytes). */
const maxPayload = 7_000;

export function eventNoticeChannel(schema: string): string {
  return `evp_events.${schema}`.slice(0, 63);
}

/** Inside the transaction that wrote events of these organizations. */
export async function noticeNewEvents(client: pg.ClientBase, organizationIds: Iterable<string>): Promise<void> {
  const payload = [...new Set(organizationIds)].join(',');
  if (payload === '') return;
  await client.query(`select pg_notify(${channelSql}, $1)`, [payload.length > maxPayload ? '*' : payload]);
}

export interface EventNoticeListener {
  close(): Promise<void>;
}

export interface EventNoticeOptions {
  readonly url: string;
  readonly schema: string;
  readonly logger: Logger;
  /** The organizations a commit wrote events of; `undefined`: any of them may have new events (a long notice, or notices missed while reconnecting). */
  readonly onNotice: (organizationIds: readonly string[] | undefined) => void;
}

/**
 * Listens on one connection of its own. A lost connection is opened again (1 s, then up to 10 s
 * apart) and then wakes every reader, for the notices missed meanwhile.
 */
export function listenForEventNotices(options: EventNoticeOptions): EventNoticeListener {
  const channel = eventNoticeChannel(options.schema);
  let client: pg.Client | undefined;
  let closed = false;
  let retryMs = 1_000;
  let timer: NodeJS.Timeout | undefined;
  let failing = false;

  const connect = async (): Promise<void> => {
    if (closed) return;
    const next = new pg.Client({ connectionString: options.url, application_name: 'evp-api-notices', keepAlive: true });
    next.on('notification', (message) => {
      if (message.channel !== channel) return;
      const payload = message.payload ?? '*';
      options.onNotice(payload === '*' ? undefined : payload.split(','));
    });
    const lost = (error?: Error) => {
      if (client !== next || closed) return;
      client = undefined;
      options.logger.warn({ error: error?.message }, 'the event notice connection was lost; live tails poll until it is back');
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
      if (failing) options.logger.info('listening for event notices again');
      failing = false;
      // Whatever was committed while nobody listened.
      options.onNotice(undefined);
    } catch (error) {
      await next.end().catch(() => undefined);
      if (!failing) options.logger.warn({ error: (error as Error).message }, 'cannot listen for event notices; live tails poll meanwhile');
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
