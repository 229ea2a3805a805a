import { setTimeout as sleep } from 'node:timers/promises';
import { createKafka } from '../../adapters/kafka/index.js';
import { entityTopic } from '../../core/topics.js';
import { measureRecovery, type Fault } from '../recovery.js';
import type { ScenarioContext } from '../scenario.js';

/** The partitions (`topic:partition`) of the topics the load writes, by the node that leads them now. */
export async function partitionsByLeader(ctx: ScenarioContext): Promise<Map<number, string[]>> {
  const admin = createKafka({
    brokers: ctx.stack.endpoints().kafkaBrokers,
    clientId: 'evp-chaos-leaders',
    logger: ctx.pipeline.logger,
    quiet: true,
  }).admin();
  await admin.connect();
  try {
    const topics = ctx.load.entities.map((entity) => entityTopic(ctx.pipeline.topicPrefix, entity));
    const metadata = await admin.fetchTopicMetadata({ topics });
    const byLeader = new Map<number, string[]>();
    for (const topic of metadata.topics) {
      for (const partition of topic.partitions) {
        byLeader.set(partition.leader, [...(byLeader.get(partition.leader) ?? []), `${topic.name}:${partition.partitionId}`]);
      }
    }
    return byLeader;
  } finally {
    await admin.disconnect();
  }
}

/**
 * The failover after a node went away at `at`: from then to the first event made after it, on a
 * partition the node led, being stored, and being delivered. The cluster is expected to carry on
 * without the node, so the clock starts at the loss, not at its return.
 */
export function measureFailover(ctx: ScenarioContext, what: string, at: number, partitions: readonly string[]): Promise<Fault> {
  return measureRecovery(
    ctx.pipeline,
    ctx.tenant,
    { what, at, backAt: at },
    {
      store: true,
      deliver: true,
      scope: {
        partitions: partitions.length > 0 ? partitions : undefined,
        createdAfter: at,
        placement: (eventId) => ctx.load.acked.get(eventId)?.partition,
      },
    },
  );
}

/** Seconds with one decimal, for notes. */
const secondsSince = (start: number) => `${((Date.now() - start) / 1000).toFixed(1)} s`;

export interface BounceOptions {
  /** SIGKILL as a crash, SIGTERM as a controlled shutdown (which first hands its leaderships over). */
  readonly signal: 'SIGKILL' | 'SIGTERM';
  /** The partitions it leads (`topic:partition`), whose failover is measured. */
  readonly partitions: readonly string[];
  /** How long the cluster runs without it, at least, counted from the stop, in ms. @defaultValue 0 */
  readonly downMs?: number;
}

/**
 * Takes one node of the cluster away under load, measures the failover of the partitions it led,
 * then starts it again and waits until it is back in every ISR. Returns the fault and a note.
 */
export async function bounceNode(ctx: ScenarioContext, nodeId: number, options: BounceOptions): Promise<{ fault: Fault; note: string }> {
  const at = Date.now();
  await ctx.stack.stopKafkaNode(nodeId, options.signal);
  const stopped = secondsSince(at);
  const what = `${options.signal} node ${nodeId} (leader of ${options.partitions.length} written partitions)`;
  ctx.note(`${what}: gone after ${stopped}`);
  const fault = await measureFailover(ctx, what, at, options.partitions);
  ctx.note(
    `failover: first stored ${fault.recoverStoreMs ?? 'never'} ms, first delivered ${fault.recoverDeliverMs ?? 'never'} ms after the stop`,
  );
  await sleep(Math.max(0, (options.downMs ?? 0) - (Date.now() - at)));
  const restarted = Date.now();
  await ctx.stack.startKafkaNode(nodeId, true);
  const note = `node ${nodeId}: ${options.signal} took ${stopped} to stop it; back in every ISR ${secondsSince(restarted)} after its restart`;
  ctx.note(note);
  return { fault, note };
}
