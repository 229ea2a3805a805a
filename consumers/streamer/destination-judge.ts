import type pg from 'pg';
import type { Logger } from '../../adapters/logger.js';
import { alertDue, alertError, alertThresholds, type AlertThresholds } from '../../core/destination-alert.js';
import { createEventId } from '../../core/ids.js';
import { listOverdueAlerts, raiseDestinationAlert } from '../../store/destination-alerts.js';
import {
  disableDestination,
  recordDestinationFailure,
  recordDestinationSuccess,
  type DisabledDestination,
} from '../../store/destination-health.js';
import type { SendingDestination } from '../../store/load-destinations.js';
import type { StreamerMetrics } from './metrics.js';

/** What the judge learns of one attempt. */
export interface AttemptJudged {
  /** Every delivery it carried was delivered. */
  readonly succeeded: boolean;
  /** The endpoint said it is gone (410). */
  readonly gone: boolean;
  /** What went wrong, as the delivery log has it. */
  readonly error: string | null;
}

/**
 * Keeps each destination's run of failures: raises `destination.failing` when the run is long
 * enough and `destination.recovered` at its first success after that, and disables the destination
 * when the run is too long or the endpoint is gone.
 */
export interface DestinationJudge {
  /** What the database says of a destination's failure run (when the destinations are read). */
  know(destination: Pick<SendingDestination, 'id' | 'failingSince' | 'alerted'>): void;
  judge(destination: SendingDestination, attempt: AttemptJudged, now: number): Promise<void>;
  /**
   * Raises `destination.failing` for runs past their `after_ms` that no failed attempt came to
   * check (the next one waits on the retry schedule). Never rejects.
   */
  sweep(): Promise<void>;
}

// Overdue alerts raised per sweep: more wait for the next one.
const sweepSize = 100;

/** What this worker last knew of a destination's run: since when it fails (null: it does not), and whether its alert is raised. */
interface Known {
  readonly since: number | null;
  readonly alerted: boolean;
}

export function createDestinationJudge(options: {
  readonly pool: pg.Pool;
  readonly logger: Logger;
  readonly metrics: StreamerMetrics;
  readonly disableAfterMs: number;
  /** For destinations without their own thresholds. */
  readonly alertDefaults: AlertThresholds;
  readonly onDisabled: (destination: DisabledDestination) => Promise<void>;
  /** An alert was written: publish it (and those before it); resolves once tried, never rejects. */
  readonly onAlert: () => Promise<void>;
  /** The destination is disabled: no more claims for it. */
  readonly drop: (destinationId: string) => void;
}): DestinationJudge {
  const { pool, logger, metrics } = options;
  // Undefined: ask the database.
  const known = new Map<string, Known>();
  let sweepFailing = false;

  /** Ends the run; writes only when there is one (or this worker does not know). */
  const noteSuccess = async (destinationId: string): Promise<void> => {
    const was = known.get(destinationId);
    if (was !== undefined && was.since === null && !was.alerted) return;
    const recovered = await recordDestinationSuccess(pool, destinationId, createEventId());
    known.set(destinationId, { since: null, alerted: false });
    if (!recovered) return;
    metrics.alerts.inc({ type: 'recovered' });
    logger.info({ destinationId }, 'destination recovered: destination.recovered raised');
    void options.onAlert();
  };

  /**
   * Counts a failed attempt and raises the run's alert once it is due (or the destination is about
   * to be disabled for it). After the alert, a failure writes nothing. Returns when the run began.
   */
  const noteFailure = async (destination: SendingDestination, attempt: AttemptJudged, now: number): Promise<number> => {
    const was = known.get(destination.id);
    if (was?.alerted === true && was.since !== null) return was.since;
    const run = await recordDestinationFailure(pool, destination.id);
    const since = run?.failingSince?.getTime() ?? now;
    known.set(destination.id, { since, alerted: run?.alerted ?? false });
    if (run === undefined || run.alerted) return since;
    const disabling = now - since > options.disableAfterMs;
    const thresholds = alertThresholds(destination, options.alertDefaults);
    if (!disabling && !alertDue({ since, failedAttempts: run.failedAttempts }, thresholds, now)) return since;
    const raised = await raiseDestinationAlert(pool, destination.id, createEventId(), alertError(attempt.error));
    known.set(destination.id, { since, alerted: true });
    if (raised) {
      announceFailing(destination.id, { failedAttempts: run.failedAttempts, failingSince: new Date(since) });
      // Before a disable, so that `destination.failing` precedes `destination.disabled`.
      if (disabling) await options.onAlert();
      else void options.onAlert();
    }
    return since;
  };

  /** After the alert of a run is written: count it and say so (publishing is the caller's). */
  const announceFailing = (destinationId: string, fields: Record<string, unknown>): void => {
    metrics.alerts.inc({ type: 'failing' });
    logger.warn({ destinationId, ...fields }, 'destination failing: destination.failing raised');
  };

  const disable = async (destination: SendingDestination, reason: string, label: string): Promise<void> => {
    const disabled = await disableDestination(pool, destination.id, reason);
    options.drop(destination.id);
    known.delete(destination.id);
    if (!disabled) return;
    metrics.disabled.inc({ reason: label });
    logger.error({ destinationId: destination.id, reason }, 'destination disabled; its deliveries wait until it is re-enabled');
    await options
      .onDisabled(disabled)
      .catch((error: unknown) => logger.error({ err: error, destinationId: destination.id }, 'emitting destination.disabled failed'));
  };

  return {
    know(destination) {
      known.set(destination.id, { since: destination.failingSince, alerted: destination.alerted });
    },
    async sweep() {
      try {
        let raised = false;
        for (const overdue of await listOverdueAlerts(pool, options.alertDefaults.afterMs, sweepSize)) {
          const { destinationId, lastError } = overdue;
          if (!(await raiseDestinationAlert(pool, destinationId, createEventId(), alertError(lastError), options.alertDefaults.afterMs)))
            continue;
          // What this worker knew of the run is read again at its next attempt.
          known.delete(destinationId);
          announceFailing(destinationId, { raisedBy: 'sweep' });
          raised = true;
        }
        if (raised) await options.onAlert();
        sweepFailing = false;
      } catch (error) {
        // Once per outage: the database being away is told by the consumers already.
        if (!sweepFailing)
          logger.warn({ err: error }, 'looking for failure runs past their alert threshold failed; the next sweep tries again');
        sweepFailing = true;
      }
    },
    async judge(destination, attempt, now) {
      if (attempt.succeeded) {
        await noteSuccess(destination.id);
        return;
      }
      const failingSince = await noteFailure(destination, attempt, now);
      if (attempt.gone) {
        await disable(destination, 'the endpoint answered 410 Gone', 'gone');
      } else if (now - failingSince > options.disableAfterMs) {
        await disable(destination, `every attempt failed since ${new Date(failingSince).toISOString()}`, 'failing');
      }
    },
  };
}
