import { eventIdTime, isEventId } from '../core/ids.js';
import type { ReceivedWebhook } from '../test/harness/webhook-receiver.js';

/** Publish→webhook latency of the events made in one span of a scenario. */
export interface LatencySpan {
  /** Events made in the span and accepted by the receiver. */
  readonly events: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
}

/** The span before the first fault and the one after the pipeline came back from the last. */
export interface ScenarioLatency {
  readonly before: LatencySpan | undefined;
  readonly after: LatencySpan | undefined;
}

/**
 * From each event's making (the time in its UUIDv7 id, taken when it was published) to the first
 * 2xx the receiver gave a request carrying it, over the events made in [from, to). An event never
 * accepted is left out: the scenario's own figures count those.
 */
export function latencyOf(received: readonly ReceivedWebhook[], from: number, to: number): LatencySpan | undefined {
  const firstAccepted = new Map<string, number>();
  for (const request of received) {
    if (request.status < 200 || request.status >= 300) continue;
    const id = (request.json as { id?: unknown } | null)?.id;
    if (typeof id !== 'string' || !isEventId(id) || firstAccepted.has(id)) continue;
    const made = eventIdTime(id);
    if (made >= from && made < to) firstAccepted.set(id, request.at - made);
  }
  const sorted = [...firstAccepted.values()].sort((a, b) => a - b);
  if (sorted.length === 0) return undefined;
  const at = (quantile: number) => sorted[Math.min(sorted.length - 1, Math.ceil(quantile * sorted.length) - 1)] ?? 0;
  return { events: sorted.length, p50Ms: at(0.5), p99Ms: at(0.99) };
}

/** "p50 / p99 ms", or "–" when no event of the span was accepted. */
export function formatLatency(span: LatencySpan | undefined): string {
  return span === undefined ? '–' : `${span.p50Ms} / ${span.p99Ms}`;
}
