/**
 * One destination type's benchmark case, for `npm run bench -- destinations`: the settings of a
 * destination to create, a ceiling (the same messages written with the target's own SDK, no
 * pipeline in between) and a reader counting what arrived. `open` starts the local server the
 * case runs against and `close` stops it.
 */
export interface DestinationBenchCase {
  readonly type: string;
  open(): Promise<DestinationBenchTarget>;
}

export interface DestinationBenchTarget {
  /** The type's settings object of a create request, for a target named `name`. */
  settings(name: string): Record<string, unknown>;
  /** Writes `count` messages of `payload` to the target named `name` with the target's own SDK, as fast as it goes. */
  ceiling(name: string, count: number, payload: string): Promise<void>;
  /** How many messages the target named `name` holds. */
  count(name: string): Promise<number>;
  close(): Promise<void>;
}
