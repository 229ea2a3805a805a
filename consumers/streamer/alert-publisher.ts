import type pg from 'pg';
import type { Logger } from '../../adapters/logger.js';
import type { EventInput } from '../../core/build-event.js';
import { destinationAlertEvent } from '../../core/destination-alert.js';
import { listUnpublishedAlerts, lockAlertPublishing, markAlertPublished } from '../../store/destination-alerts.js';

export interface AlertPublisher {
  /**
   * Publishes the alerts not yet published, oldest first; resolves once a pass that began after
   * the call is over (an alert written before the call is then published, or left for the next
   * pass when publishing fails). Never rejects.
   */
  flush(): Promise<void>;
}

// Alerts published per pass: more are left for the next one.
const passSize = 100;

/**
 * Publishes the alerts the judge writes (store/destination-alerts.ts), from their outbox. One
 * streamer at a time publishes (an advisory lock held for the pass), in the order they were
 * decided; an alert is marked once published, so a streamer that stops between the two publishes
 * it again with the same event id, which the event log and the deliveries take once.
 */
export function createAlertPublisher(options: {
  readonly pool: pg.Pool;
  readonly logger: Logger;
  readonly publish: (type: string, event: EventInput) => Promise<unknown>;
}): AlertPublisher {
  const { pool, logger } = options;
  let current: Promise<void> | undefined;
  let next: Promise<void> | undefined;
  let lastComplaint = 0;

  const pass = async (): Promise<void> => {
    const client = await pool.connect();
    try {
      await client.query('begin');
      await lockAlertPublishing(client);
      for (const { alert, destination } of await listUnpublishedAlerts(client, passSize)) {
        try {
          await options.publish(alert.type, destinationAlertEvent(destination, alert));
        } catch (error) {
          // Those after it wait too: a destination's alerts go out in order.
          complain(error, 'publishing a destination alert failed; trying again at the next pass');
          break;
        }
        await markAlertPublished(client, alert.eventId);
      }
      await client.query('commit');
    } catch (error) {
      await client.query('rollback').catch(() => undefined);
      complain(error, 'reading or marking destination alerts failed; trying again at the next pass');
    } finally {
      client.release();
    }
  };

  const complain = (error: unknown, message: string): void => {
    if (Date.now() - lastComplaint < 10_000) return;
    lastComplaint = Date.now();
    logger.warn({ err: error }, message);
  };

  const flush = (): Promise<void> => {
    if (current === undefined) {
      current = pass()
        .catch((error: unknown) => complain(error, 'publishing destination alerts failed; trying again at the next pass'))
        .finally(() => {
          current = undefined;
        });
      return current;
    }
    // A pass is under way and may have read the alerts already: one more follows it, for every caller meanwhile.
    next ??= current.then(() => {
      next = undefined;
      return flush();
    });
    return next;
  };

  return { flush };
}
