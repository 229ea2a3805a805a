import { outageScenario } from './outage.js';

/**
 * 3. The single Kafka node is SIGKILLed while the SDK publishes and both consumers read, kept down
 * a few seconds, and started again with `evp stack up` (twice). Publishes the broker never
 * acknowledged may be rejected; every acknowledged one must be stored and delivered.
 */
export const brokerKill = outageScenario({
  id: '3',
  name: 'broker-kill',
  title: 'broker SIGKILL (single node)',
  injected: 'SIGKILL Kafka ×2, 5 s down, `stack up`',
  times: 2,
  outage: (ctx, n) => ({
    what: `SIGKILL Kafka #${n}`,
    afterMs: 4000,
    down: () => ctx.stack.stopKafkaNode(1, 'SIGKILL'),
    downMs: 5000,
    up: () => ctx.stack.up(),
    progress: { store: true, deliver: true },
  }),
});
