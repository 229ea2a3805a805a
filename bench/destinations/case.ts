import type { DestinationTypeName } from '../../destinations/index.js';

/**
 * One destination type in the destinations bench (bench/destinations.ts): what to create, how to
 * count what its target received, and the ceiling, the target's own client writing the same
 * messages straight to it with the same acknowledgement the sender waits for. A type joins the
 * bench with a file beside this one and a line in index.ts.
 */
export interface DestinationBenchCase {
  /** The destination type, as `type` in the API. */
  readonly type: DestinationTypeName;
  /** Prepares a target of its own named `name` (a queue, a stream) on the machine's server. */
  open(name: string): Promise<BenchTarget>;
}

export interface BenchTarget {
  /** The settings object of the destination, as stored (no secret: the local servers take their defaults). */
  readonly settings: Readonly<Record<string, unknown>>;
  /** Messages the target holds or received since it was opened (or since `reset`). */
  received(): Promise<number>;
  /** Forgets what was received (between the streamer's run and the ceiling's). */
  reset(): Promise<void>;
  /**
   * Writes `bodies` (with `ids` as their message ids) straight to the target with the type's own
   * client, at most `inFlight` unacknowledged, and resolves once every one is acknowledged.
   */
  ceiling(bodies: readonly Buffer[], ids: readonly string[], inFlight: number): Promise<void>;
  close(): Promise<void>;
}
