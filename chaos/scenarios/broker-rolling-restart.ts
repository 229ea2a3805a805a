import { setTimeout as sleep } from 'node:timers/promises';
import type { Fault } from '../recovery.js';
import type { Scenario } from '../scenario.js';
import { bounceNode, partitionsByLeader } from './kafka-nodes.js';

/**
 * 4b. A rolling restart of the three-node cluster under load: each node in turn gets SIGTERM (a
 * controlled shutdown, which first hands its leaderships over), is started again and waits until it
 * is back in every ISR before the next one goes. Recovery per node is its failover, as in 4.
 */
export const brokerRollingRestart: Scenario = {
  id: '4b',
  name: 'broker-rolling-restart',
  title: 'rolling restart (3 nodes)',
  brokers: 3,
  async inject(ctx) {
    const faults: Fault[] = [];
    const notes: string[] = [];
    for (const node of ctx.stack.kafkaNodes()) {
      await sleep(3000);
      const partitions = (await partitionsByLeader(ctx)).get(node.nodeId) ?? [];
      const { fault, note } = await bounceNode(ctx, node.nodeId, { signal: 'SIGTERM', partitions });
      faults.push(fault);
      notes.push(note);
    }
    return { injected: 'SIGTERM + restart of each node in turn, waiting for the ISR', faults, notes };
  },
};
