import type { EventInput } from './build-event.js';
import { destinationEvent, type DestinationEventSource } from './destination-event.js';
import { redactUrlsIn } from './redact-url.js';

/** When a destination's failure run raises `destination.failing`: whichever comes first. */
export interface AlertThresholds {
  /** Failed attempts in a row. */
  readonly afterFailures: number;
  /** How long the run has lasted, in ms. */
  readonly afterMs: number;
}

/** A destination's current run of failed attempts. */
export interface FailureRun {
  /** When its first failed attempt was recorded (ms since the epoch). */
  readonly since: number;
  readonly failedAttempts: number;
}

/**
 * Whether a failure run, at a failed attempt made at `now`, calls for `destination.failing`: it
 * reached the number of failed attempts, or it has lasted long enough. Whether one was already
 * published for the run is the store's to say (only one streamer wins it).
 */
export function alertDue(run: FailureRun, thresholds: AlertThresholds, now: number): boolean {
  return run.failedAttempts >= thresholds.afterFailures || now - run.since >= thresholds.afterMs;
}

/** A destination's own thresholds where it has them, the deployment's otherwise. */
export function alertThresholds(
  own: { readonly alertAfterFailures: number | null; readonly alertAfterMs: number | null },
  defaults: AlertThresholds,
): AlertThresholds {
  return { afterFailures: own.alertAfterFailures ?? defaults.afterFailures, afterMs: own.alertAfterMs ?? defaults.afterMs };
}

/** The longest last error an alert carries. */
export const maxAlertErrorLength = 500;

/**
 * An attempt's error as an alert may carry it: its event goes to other destinations, so any URL
 * loses its password and credential parameters, and a long text is cut.
 */
export function alertError(error: string | null): string | null {
  if (error === null) return null;
  const redacted = redactUrlsIn(error);
  return redacted.length > maxAlertErrorLength ? `${redacted.slice(0, maxAlertErrorLength - 1)}…` : redacted;
}

export type DestinationAlertType = 'destination.failing' | 'destination.recovered';

/** An alert as recorded when it was decided (store/destination-alerts.ts). */
export interface DestinationAlert {
  /** Fixed when the alert is decided: publishing it again is the same event downstream. */
  readonly eventId: string;
  readonly type: DestinationAlertType;
  /** The run's first failed attempt. */
  readonly failingSince: Date;
  /** Failed attempts of the run counted when `destination.failing` was decided. */
  readonly failedAttempts: number;
  /** The error of the attempt that raised `destination.failing` (already through `alertError`). */
  readonly lastError: string | null;
  /** When it was decided: the event's `occurred_at`. */
  readonly createdAt: Date;
}

/**
 * `destination.failing` or `destination.recovered`: the destination as every destination event
 * has it (no settings, no secrets, the webhook URL without credentials), and the failure run.
 */
export function destinationAlertEvent(destination: DestinationEventSource, alert: DestinationAlert): EventInput {
  const event = destinationEvent(destination, {
    source: 'system',
    severity: alert.type === 'destination.failing' ? 'warn' : 'info',
  });
  return {
    ...event,
    id: alert.eventId,
    occurred_at: alert.createdAt,
    data: {
      ...event.data,
      failure_run: {
        since: alert.failingSince.toISOString(),
        failed_attempts: alert.failedAttempts,
        last_error: alert.lastError,
      },
    },
  };
}
