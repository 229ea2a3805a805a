import type { AttemptResult } from '../core/delivery-schedule.js';

/**
 * What one attempt to hand events to a destination came to. `result` feeds the pure retry
 * verdict (core/delivery-schedule.ts); the rest is recorded in the delivery log as is.
 */
export interface SendOutcome {
  /** Kafka and file senders report success (acknowledged; written and synced) as `{ kind: 'response', status: 200 }`. */
  readonly result: AttemptResult;
  /** From the start of the attempt (connect included) to its end, in ms. */
  readonly durationMs: number;
  /** The HTTP status, when a response came. */
  readonly statusCode?: number | undefined;
  /** The first 2 KB of the response body (UTF-8, cut on a character boundary), when one came. */
  readonly responseBody?: string | undefined;
  /** Why the attempt failed, in words an operator can act on; undefined on success. */
  readonly error?: string | undefined;
  /**
   * The deliveries the target refused when it took the attempt's others (an SQS or Kinesis batch
   * answers record by record): `result` and `error` then hold for these only, and the others are
   * recorded as delivered by this attempt. Absent, `result` holds for every delivery.
   */
  readonly failedDeliveryIds?: ReadonlySet<string> | undefined;
}
