import { performance } from 'node:perf_hooks';
import type { PendingDelivery } from '../server-kind.js';
import type { SendOutcome } from '../send-outcome.js';
import { describeAwsFailure } from './failure.js';

/** A delivery the target took no part of, and why (in the delivery log's words). */
export interface RecordFailure {
  readonly deliveryId: string;
  readonly code: string;
  readonly message: string;
}

/**
 * Cuts deliveries, in order, into requests of at most `maxCount` records and `maxBytes` bytes;
 * a delivery whose record alone exceeds `maxRecordBytes` goes in none and is `oversize`.
 */
export function chunkRecords(
  deliveries: readonly PendingDelivery[],
  limits: { readonly maxCount: number; readonly maxBytes: number; readonly maxRecordBytes: number },
  sizeOf: (delivery: PendingDelivery) => number,
): { readonly chunks: PendingDelivery[][]; readonly oversize: PendingDelivery[] } {
  const chunks: PendingDelivery[][] = [];
  const oversize: PendingDelivery[] = [];
  let current: PendingDelivery[] = [];
  let bytes = 0;
  for (const delivery of deliveries) {
    const size = sizeOf(delivery);
    if (size > limits.maxRecordBytes) {
      oversize.push(delivery);
      continue;
    }
    if (current.length > 0 && (current.length >= limits.maxCount || bytes + size > limits.maxBytes)) {
      chunks.push(current);
      current = [];
      bytes = 0;
    }
    current.push(delivery);
    bytes += size;
  }
  if (current.length > 0) chunks.push(current);
  return { chunks, oversize };
}

/**
 * The outcome of an attempt whose records the target answered one by one: a success when none
 * failed; else a failure for the failed ones only (`failedDeliveryIds`), the others recorded as
 * delivered. The words name how many failed and the first reason of each kind.
 */
export function recordsOutcome(total: number, failures: readonly RecordFailure[], durationMs: number): SendOutcome {
  if (failures.length === 0) return { result: { kind: 'response', status: 200 }, durationMs, statusCode: 200 };
  const first = failures[0] as RecordFailure;
  const reasons = [...new Map(failures.map((failure) => [failure.code, failure.message])).values()];
  const shown = reasons.slice(0, 3).join('; ');
  return {
    result: { kind: 'error', code: first.code },
    durationMs,
    error: `${failures.length} of ${total} records were not written: ${shown.length > 900 ? `${shown.slice(0, 897)}...` : shown}`,
    failedDeliveryIds: new Set(failures.map((failure) => failure.deliveryId)),
  };
}

/** How one service's batched requests are made, for `sendRecords`. */
export interface RecordBatches {
  /** `SQS`, `Kinesis`: how the delivery log names the service. */
  readonly service: string;
  /** `queue <url>`, `stream <name>`. */
  readonly target: string;
  readonly limits: { readonly maxCount: number; readonly maxBytes: number; readonly maxRecordBytes: number };
  /** A delivery's size as the service counts it. */
  sizeOf(delivery: PendingDelivery): number;
  /** Why a delivery is too large, in the delivery log's words, and its code. */
  readonly oversize: { readonly code: string; readonly noun: string };
  /** Requests one after another (each entity's order kept), or all at once. */
  readonly ordered: boolean;
  /** Makes one request; resolves with the records the service refused. */
  send(chunk: readonly PendingDelivery[]): Promise<RecordFailure[]>;
  readonly timeoutMs: number;
}

/**
 * An attempt of a service that takes records in batches and answers each: the deliveries are cut
 * into requests, and the outcome fails only the records refused, too large, or in a request that
 * failed whole. When every request failed for one reason, that reason is the attempt's, as it
 * came (a timeout stays a timeout, an unreachable service is told as such).
 */
export async function sendRecords(deliveries: readonly PendingDelivery[], batches: RecordBatches, started: number): Promise<SendOutcome> {
  const { chunks, oversize } = chunkRecords(deliveries, batches.limits, (delivery) => batches.sizeOf(delivery));
  const failures: RecordFailure[] = oversize.map((delivery) => ({
    deliveryId: delivery.id,
    code: batches.oversize.code,
    message: `the event is ${batches.sizeOf(delivery)} bytes as ${batches.oversize.noun}, over ${batches.service}'s limit of ${batches.limits.maxRecordBytes}`,
  }));
  const whole: SendOutcome[] = [];
  const sendChunk = async (chunk: readonly PendingDelivery[]): Promise<void> => {
    try {
      failures.push(...(await batches.send(chunk)));
    } catch (error) {
      const outcome = describeAwsFailure(batches.service, batches.target, error, batches.timeoutMs, started);
      whole.push(outcome);
      const code = outcome.result.kind === 'error' ? outcome.result.code : outcome.result.kind;
      for (const delivery of chunk) failures.push({ deliveryId: delivery.id, code, message: outcome.error ?? code });
    }
  };
  if (batches.ordered) for (const chunk of chunks) await sendChunk(chunk);
  else await Promise.all(chunks.map(sendChunk));
  const durationMs = Math.round(performance.now() - started);
  const [only] = whole;
  if (only !== undefined && whole.length === chunks.length && oversize.length === 0) return { ...only, durationMs };
  return recordsOutcome(deliveries.length, failures, durationMs);
}
