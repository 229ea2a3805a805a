import { setTimeout as sleep } from 'node:timers/promises';
import type { Scenario } from '../scenario.js';
import { bounceNode, partitionsByLeader } from './kafka-nodes.js';

/**
 * 4. On a three-node cluster (replication factor 3, min.insync.replicas 2), the node leading the
 * most partitions the SDK is writing is SIGKILLed while the materializer and the streamer read.
 * The cluster must carry on with two nodes (for 10 s): no acknowledged event lost or stored twice.
 * Recovery is the failover: from the kill to the first event made after it, on a partition that
 * node led, being stored and delivered. Then the node is started again and must rejoin every ISR.
 */
export const brokerLeaderKill: Scenario = {
  id: '4',
  name: 'broker-leader-kill',
  title: 'partition leader SIGKILL (3 nodes)',
  brokers: 3,
  async inject(ctx) {
    await sleep(4000);
    const byLeader = await partitionsByLeader(ctx);
    const [leader, partitions] = [...byLeader.entries()].sort((a, b) => b[1].length - a[1].length)[0] ?? [];
    if (leader === undefined || partitions === undefined) throw new Error('no partition of the written topics has a leader');
    const { fault, note } = await bounceNode(ctx, leader, { signal: 'SIGKILL', partitions, downMs: 10_000 });
    return {
      injected: `SIGKILL leader node ${leader} (${partitions.length} partitions), 10 s on 2 nodes, restarted`,
      faults: [fault],
      notes: ['recovery counts from the kill (failover)', note],
    };
  },
};
