import { setTimeout as sleep } from 'node:timers/promises';
import type { PipelineService } from '../pipeline.js';
import { measureRecovery, type Fault } from '../recovery.js';
import type { Injection, Scenario, ScenarioContext } from '../scenario.js';

export interface KillLoopOptions {
  readonly service: PipelineService;
  readonly kills: number;
  /** What shows the service is back: a stored row (materializer) or an accepted delivery (streamer). */
  readonly progress: 'store' | 'deliver';
  /** How long it works between coming back and the next kill, in ms: a random time in this range. */
  readonly workMs: readonly [number, number];
}

/**
 * SIGKILL a service every few seconds while the load runs, starting it again at once (as a
 * supervisor would). Each kill lands a random time after the service has shown progress again,
 * so every kill hits a working process, never one still starting.
 */
export async function killLoop(ctx: ScenarioContext, options: KillLoopOptions): Promise<Injection> {
  const faults: Fault[] = [];
  for (let kill = 1; kill <= options.kills; kill++) {
    const [least, most] = options.workMs;
    await sleep(least + Math.random() * (most - least));
    const at = Date.now();
    await ctx.pipeline.service(options.service).stop('SIGKILL');
    const restarted = ctx.pipeline.restart(options.service);
    const fault = await measureRecovery(
      ctx.pipeline,
      ctx.tenant,
      { what: `SIGKILL ${options.service} #${kill}`, at, backAt: restarted.startedAt },
      { store: options.progress === 'store', deliver: options.progress === 'deliver' },
    );
    faults.push(fault);
    const took = options.progress === 'store' ? fault.recoverStoreMs : fault.recoverDeliverMs;
    ctx.note(
      `kill ${kill}/${options.kills}: ${took === null || took === undefined ? 'no progress within the bound' : `progress ${took} ms after the restart`}`,
    );
    if (took === null) break;
  }
  return { injected: `SIGKILL ${options.service} ×${faults.length}, restarted at once`, faults };
}

/** A scenario of its own for one service's kill loop on the single-node stack: `<service>-kill`. */
export function killLoopScenario(id: string, options: KillLoopOptions): Scenario {
  return {
    id,
    name: `${options.service}-kill`,
    title: `${options.service} SIGKILL loop`,
    brokers: 1,
    inject: (ctx) => killLoop(ctx, options),
  };
}
