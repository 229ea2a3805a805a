import { setTimeout as sleep } from 'node:timers/promises';
import { coerceError } from '../adapters/errors.js';
import { latencyOf, type ScenarioLatency } from './latency.js';
import { startLoad, type Load, type Placed } from './load.js';
import type { OwnStack } from './own-stack.js';
import { findInKafka } from './kafka-check.js';
import type { Pipeline } from './pipeline.js';
import { measureRecovery, type Fault } from './recovery.js';
import type { StoreSnapshot } from './store-probe.js';
import { createTenant, type Tenant } from './tenant.js';
import { brokenGuarantees, settle, type Figures } from './verdict.js';

export interface ScenarioContext {
  readonly stack: OwnStack;
  readonly pipeline: Pipeline;
  readonly tenant: Tenant;
  readonly load: Load;
  /** A progress line on stderr. */
  note(message: string): void;
}

export interface Injection {
  /** What was injected, in a few words, for the table. */
  readonly injected: string;
  readonly faults: Fault[];
  /** Anything else worth a line under the table. */
  readonly notes?: string[];
  /** The scenario's own checks once the pipeline settled: each broken guarantee as a sentence. */
  readonly check?: (store: StoreSnapshot) => string[];
}

export interface Scenario {
  /** Its number in the table: 1, 2, 3, 4, 4b, … */
  readonly id: string;
  /** What `npm run chaos -- <name>` selects. */
  readonly name: string;
  readonly title: string;
  /** Kafka nodes it needs. */
  readonly brokers: 1 | 3;
  /** Events per second published while it runs. @defaultValue 100 */
  readonly rate?: number;
  /** Entities published. @defaultValue invoice, customer, crm.deal */
  readonly entities?: readonly string[];
  /** Injects its faults while the load runs; returns once the pipeline has come back from the last one. */
  inject(ctx: ScenarioContext): Promise<Injection>;
}

export interface ScenarioResult {
  readonly id: string;
  readonly name: string;
  readonly title: string;
  readonly injected: string;
  readonly figures: Figures | undefined;
  readonly faults: readonly Fault[];
  readonly problems: readonly string[];
  readonly notes: readonly string[];
  readonly passed: boolean;
  readonly durationMs: number;
  /** Publish→webhook latency before the first fault and after the last recovery; undefined when the scenario could not run. */
  readonly latency: ScenarioLatency | undefined;
}

const defaultEntities = ['invoice', 'customer', 'crm.deal'];
/** How long the load goes on after the last recovery, and its last part, whose latency is the one after the faults. */
const recoveredSpanMs = 20_000;
const recoveredTailMs = 5_000;
/** How long the pipeline may take to settle after the load stops: past the last retry of the chaos schedule. */
const settleTimeoutMs = 150_000;

/**
 * One scenario on the shared pipeline: its organization and receiver, steady publishing, the
 * faults, then the wait until everything acknowledged is stored and every delivery settled, and
 * the figures. The pipeline's services are all running and healthy again before it returns.
 */
export async function runScenario(
  scenario: Scenario,
  stack: OwnStack,
  pipeline: Pipeline,
  note: (message: string) => void,
): Promise<ScenarioResult> {
  const began = Date.now();
  const say = (message: string) => note(`[${scenario.name}] ${message}`);
  let tenant: Tenant | undefined;
  let load: Load | undefined;
  let injection: Injection = { injected: '-', faults: [] };
  try {
    await pipeline.ensureReady();
    tenant = await createTenant(pipeline, scenario.name);
    const rate = scenario.rate ?? 100;
    load = startLoad(pipeline.publisher, { rate, organizationId: tenant.organizationId, entities: scenario.entities ?? defaultEntities });
    // Faults start once the pipeline is flowing: a row stored and a delivery made.
    const flowing = await measureRecovery(
      pipeline,
      tenant,
      { what: 'start', at: began, backAt: Date.now() },
      { store: true, deliver: true },
    );
    if (flowing.recoverStoreMs === null || flowing.recoverDeliverMs === null)
      throw new Error('nothing was stored or delivered after the load began');
    const flowingAt = flowing.backAt + (flowing.recoverDeliverMs ?? 0);
    say(`publishing ${rate}/s for ${tenant.organizationId}; injecting faults`);
    injection = await scenario.inject({ stack, pipeline, tenant, load, note: say });
    // The load goes on for a while after the last recovery: the latency it has then says whether the pipeline came back to speed.
    const backAt = Date.now();
    if (injection.faults.length > 0) await sleep(recoveredSpanMs);
    await load.stop();
    const loadStoppedAt = Date.now();
    say(`load stopped (${load.acked.size} acknowledged, ${load.rejected.size} rejected); waiting for the pipeline to settle`);
    const { figures, store } = await settle(pipeline, tenant, load, began, settleTimeoutMs);
    const problems = [...brokenGuarantees(figures), ...unrecovered(injection.faults), ...(injection.check?.(store) ?? [])];
    const notes = await explainInKafka(stack, pipeline, load, store);
    const firstFaultAt = injection.faults[0]?.at ?? backAt;
    const latency: ScenarioLatency = {
      before: latencyOf(tenant.receiver.received, flowingAt, firstFaultAt),
      after: injection.faults.length > 0 ? latencyOf(tenant.receiver.received, loadStoppedAt - recoveredTailMs, loadStoppedAt) : undefined,
    };
    return result(scenario, { ...injection, notes: [...(injection.notes ?? []), ...notes] }, figures, problems, began, latency);
  } catch (thrown) {
    const error = coerceError(thrown);
    say(`failed: ${error.message}`);
    await load?.stop();
    return result(scenario, injection, undefined, [`the scenario could not run: ${error.message}`], began, undefined);
  } finally {
    await tenant?.close();
  }
}

/**
 * What Kafka holds where the broker acknowledged the events the store lacks (lost by Kafka, or
 * passed over by the consumers), and the events stored from another offset than acknowledged (in
 * the log twice, or acknowledged with a wrong offset).
 */
async function explainInKafka(stack: OwnStack, pipeline: Pipeline, load: Load, store: StoreSnapshot): Promise<string[]> {
  const missing = new Map([...load.acked].filter(([id]) => !store.events.has(id)));
  const misplaced = new Map(
    [...load.acked].filter(([id, placed]) => {
      const stored = store.events.get(id);
      return stored !== undefined && (stored.partition !== placed.partition || stored.offset !== placed.offset);
    }),
  );
  if (missing.size === 0 && misplaced.size === 0) return [];
  const findings = await findInKafka(stack.endpoints().kafkaBrokers, new Map([...missing, ...misplaced]), pipeline.logger).catch(
    () => undefined,
  );
  if (!findings) return ['looking for the missing or misplaced events in Kafka failed'];
  const summary = (events: ReadonlyMap<string, Placed>) => {
    const counts = new Map<string, number>();
    for (const id of events.keys()) counts.set(findings.get(id) ?? '?', (counts.get(findings.get(id) ?? '?') ?? 0) + 1);
    const examples = [...events]
      .slice(0, 3)
      .map(([id, placed]) => {
        const stored = store.events.get(id);
        const from = stored ? `, stored from ${stored.partition}@${stored.offset}` : '';
        return `${id} acknowledged at ${placed.partition}@${placed.offset} (${findings.get(id) ?? '?'}${from})`;
      })
      .join('; ');
    return `${[...counts].map(([finding, n]) => `${n} ${finding}`).join(', ')}; e.g. ${examples}`;
  };
  return [
    ...(missing.size > 0 ? [`missing events, in Kafka where their publish was acknowledged: ${summary(missing)}`] : []),
    ...(misplaced.size > 0
      ? [
          `events stored from another offset, in Kafka where their publish was acknowledged ("there": the log holds them twice): ${summary(misplaced)}`,
        ]
      : []),
  ];
}

function unrecovered(faults: readonly Fault[]): string[] {
  const problems: string[] = [];
  for (const fault of faults) {
    if (fault.recoverStoreMs === null) problems.push(`nothing was stored after "${fault.what}" came back`);
    if (fault.recoverDeliverMs === null) problems.push(`nothing was delivered after "${fault.what}" came back`);
  }
  return problems;
}

function result(
  scenario: Scenario,
  injection: Injection,
  figures: Figures | undefined,
  problems: string[],
  began: number,
  latency: ScenarioLatency | undefined,
): ScenarioResult {
  return {
    id: scenario.id,
    name: scenario.name,
    title: scenario.title,
    injected: injection.injected,
    figures,
    faults: injection.faults,
    problems,
    notes: injection.notes ?? [],
    passed: problems.length === 0,
    durationMs: Date.now() - began,
    latency,
  };
}
