import { judgeAttempt, type AttemptResult } from '../../core/delivery-schedule.js';
import type { SendOutcome } from '../../destinations/send-outcome.js';
import type { DeliveryStatus } from '../../store/complete-attempt.js';
import type { ClaimedDelivery } from '../../store/claim-deliveries.js';

export interface DeliveryVerdict {
  readonly id: string;
  readonly attempt: number;
  /** The batch it was sent in (batch mode). */
  readonly batchId: string | null;
  readonly status: DeliveryStatus;
  readonly nextAttemptAt: Date | null;
}

/**
 * What one attempt's result means for each delivery it carried, on the retry schedule: delivered,
 * retried at a time, or failed for good; `gone` when the endpoint said it no longer exists (410).
 */
export function verdictsOf(
  result: AttemptResult,
  deliveries: readonly ClaimedDelivery[],
  schedule: readonly number[],
  now: number,
): { readonly deliveries: DeliveryVerdict[]; readonly gone: boolean } {
  let gone = false;
  const verdicts = deliveries.map((delivery): DeliveryVerdict => {
    const progress = { attempts: delivery.timesAttempted - delivery.scheduleBase, now, startedAt: delivery.scheduleStartedAt.getTime() };
    const verdict = judgeAttempt(result, progress, schedule);
    if (verdict.outcome === 'disable') gone = true;
    const status: DeliveryStatus = verdict.outcome === 'delivered' ? 'delivered' : verdict.outcome === 'retry' ? 'needs_retry' : 'failed';
    const nextAttemptAt = verdict.outcome === 'retry' ? new Date(verdict.at) : null;
    return { id: delivery.id, attempt: delivery.timesAttempted, batchId: delivery.batchId, status, nextAttemptAt };
  });
  return { deliveries: verdicts, gone };
}

/** An attempt's result as a metrics label: `2xx`…`5xx`, or the kind of failure. */
export function resultLabel(result: AttemptResult): string {
  if (result.kind === 'response') return `${Math.floor(result.status / 100)}xx`;
  return result.kind;
}

/**
 * An attempt's outcome as the parts to record: itself for all its deliveries, or, when the target
 * refused some records of a batch and took the others (`failedDeliveryIds`), a success for those
 * taken and the failure for those refused. Each delivery is in exactly one part.
 */
export function partsOf(
  outcome: SendOutcome,
  deliveries: readonly ClaimedDelivery[],
): { readonly outcome: SendOutcome; readonly deliveries: readonly ClaimedDelivery[] }[] {
  const failed = outcome.failedDeliveryIds;
  if (failed === undefined) return [{ outcome, deliveries }];
  const taken: SendOutcome = { result: { kind: 'response', status: 200 }, durationMs: outcome.durationMs, statusCode: outcome.statusCode };
  return [
    { outcome: taken, deliveries: deliveries.filter((delivery) => !failed.has(delivery.id)) },
    { outcome, deliveries: deliveries.filter((delivery) => failed.has(delivery.id)) },
  ].filter((part) => part.deliveries.length > 0);
}
