import type pg from 'pg';
import type { Logger } from '../../adapters/logger.js';
import { disableDestination, recordDestinationOutcome, type DisabledDestination } from '../../store/destination-health.js';
import type { SendingDestination } from '../../store/load-destinations.js';
import type { StreamerMetrics } from './metrics.js';

/** Keeps each destination's run of failures and disables it when the run is too long, or the endpoint is gone. */
export interface DestinationJudge {
  /** What the database says of a destination's failure run (when the destinations are read). */
  know(destinationId: string, failingSince: number | null): void;
  /** After an attempt: whether all of it succeeded, and whether the endpoint said it is gone (410). */
  judge(destination: SendingDestination, succeeded: boolean, gone: boolean, now: number): Promise<void>;
}

export function createDestinationJudge(options: {
  readonly pool: pg.Pool;
  readonly logger: Logger;
  readonly metrics: StreamerMetrics;
  readonly disableAfterMs: number;
  readonly onDisabled: (destination: DisabledDestination) => Promise<void>;
  /** The destination is disabled: no more claims for it. */
  readonly drop: (destinationId: string) => void;
}): DestinationJudge {
  const { pool, logger, metrics } = options;
  // What this worker last knew of each destination's failure run: undefined (ask), null (none), or since when.
  const failing = new Map<string, number | null>();

  /** Keeps `failing_since` in step, writing only when the run of failures starts or ends. */
  const noteOutcome = async (destinationId: string, succeeded: boolean): Promise<number | null> => {
    const known = failing.get(destinationId);
    if (succeeded) {
      if (known !== null) await recordDestinationOutcome(pool, destinationId, true);
      failing.set(destinationId, null);
      return null;
    }
    if (typeof known === 'number') return known;
    const since = (await recordDestinationOutcome(pool, destinationId, false))?.getTime() ?? Date.now();
    failing.set(destinationId, since);
    return since;
  };

  const disable = async (destination: SendingDestination, reason: string, label: string): Promise<void> => {
    const disabled = await disableDestination(pool, destination.id, reason);
    options.drop(destination.id);
    failing.delete(destination.id);
    if (!disabled) return;
    metrics.disabled.inc({ reason: label });
    logger.error({ destinationId: destination.id, reason }, 'destination disabled; its deliveries wait until it is re-enabled');
    await options
      .onDisabled(disabled)
      .catch((error: unknown) => logger.error({ err: error, destinationId: destination.id }, 'emitting destination.disabled failed'));
  };

  return {
    know(destinationId, failingSince) {
      failing.set(destinationId, failingSince);
    },
    async judge(destination, succeeded, gone, now) {
      const failingSince = await noteOutcome(destination.id, succeeded);
      if (gone) {
        await disable(destination, 'the endpoint answered 410 Gone', 'gone');
      } else if (failingSince !== null && now - failingSince > options.disableAfterMs) {
        await disable(destination, `every attempt failed since ${new Date(failingSince).toISOString()}`, 'failing');
      }
    },
  };
}
