import { setTimeout as sleep } from 'node:timers/promises';
import { measureRecovery, type Fault, type ProgressOptions } from '../recovery.js';
import type { Scenario, ScenarioContext } from '../scenario.js';

export interface OutageOptions {
  /** What is done, e.g. "SIGKILL Kafka". */
  readonly what: string;
  /** How long the load runs before the fault, in ms. */
  readonly afterMs: number;
  /** Takes the dependency away; resolves once it is gone. */
  readonly down: () => Promise<void>;
  /** How long it stays away, in ms: the injected outage itself (not a wait for anything). */
  readonly downMs: number;
  /** Brings it back; resolves once it answers again. */
  readonly up: () => Promise<void>;
  readonly progress: ProgressOptions;
}

/** One outage of a dependency under load, and the time from its return to the pipeline's first progress. */
export async function outage(ctx: ScenarioContext, options: OutageOptions): Promise<Fault> {
  await sleep(options.afterMs);
  const at = Date.now();
  await options.down();
  ctx.note(`${options.what}: down; back in ${Math.round(options.downMs / 1000)} s`);
  await sleep(Math.max(0, options.downMs - (Date.now() - at)));
  await options.up();
  const fault = await measureRecovery(ctx.pipeline, ctx.tenant, { what: options.what, at, backAt: Date.now() }, options.progress);
  const shown = (what: string, ms: number | null | undefined) =>
    ms === undefined ? [] : [`first ${what} ${ms === null ? 'never (within the bound)' : `${ms} ms later`}`];
  const progress = [...shown('stored', fault.recoverStoreMs), ...shown('delivered', fault.recoverDeliverMs)];
  ctx.note(`${options.what}: back after ${Math.round((fault.backAt - at) / 100) / 10} s; ${progress.join(', ')}`);
  return fault;
}

export interface OutageScenarioOptions {
  readonly id: string;
  readonly name: string;
  readonly title: string;
  /** Events per second. @defaultValue 100 */
  readonly rate?: number;
  /** What was injected, for the table. */
  readonly injected: string;
  /** How many outages, one after the other. @defaultValue 1 */
  readonly times?: number;
  /** The `n`th outage (from 1). */
  readonly outage: (ctx: ScenarioContext, n: number) => OutageOptions;
}

/** A single-node scenario made of outages of one dependency, one after the other. */
export function outageScenario(options: OutageScenarioOptions): Scenario {
  const { injected, times = 1, outage: nth, ...scenario } = options;
  return {
    ...scenario,
    brokers: 1,
    async inject(ctx) {
      const faults: Fault[] = [];
      for (let n = 1; n <= times; n++) faults.push(await outage(ctx, nth(ctx, n)));
      return { injected, faults };
    },
  };
}
