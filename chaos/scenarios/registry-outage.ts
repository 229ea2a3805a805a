import { outageScenario } from './outage.js';

/** The entity first published during the outage: its schema id is in no cache yet. */
const newEntity = 'product';

/**
 * 6. The schema registry is stopped for 15 s and started again. Schema ids already looked up are
 * cached, so known event types keep flowing; from the moment it goes down the load also publishes
 * a new entity, whose publishes need the registry. Recovery is measured on that entity: from the
 * registry answering again to its first event stored and delivered.
 */
export const registryOutage = outageScenario({
  id: '6',
  name: 'registry-outage',
  title: 'registry stop/start',
  injected: `registry stopped 15 s; new entity \`${newEntity}\` published meanwhile`,
  outage: (ctx) => ({
    what: 'stop the registry',
    afterMs: 4000,
    down: async () => {
      await ctx.stack.stop('registry');
      ctx.load.addEntity(newEntity);
    },
    downMs: 15_000,
    up: () => ctx.stack.up(),
    progress: { store: true, deliver: true, entityType: newEntity },
  }),
});
