import { outageScenario } from './outage.js';

/**
 * 5. The suite's own embedded PostgreSQL is stopped (fast shutdown) for 25 s while events are
 * published, then started again with `evp stack up`. The materializer and streamer must pause,
 * never skip, and resume on their own. (The registry keeps its schemas there too, so it loses its
 * storage for as long.)
 */
export const postgresOutage = outageScenario({
  id: '5',
  name: 'postgres-outage',
  title: 'PostgreSQL stop/start',
  injected: 'PostgreSQL stopped 25 s, `stack up`',
  outage: (ctx) => ({
    what: 'stop PostgreSQL',
    afterMs: 4000,
    down: () => ctx.stack.stop('postgres'),
    downMs: 25_000,
    up: () => ctx.stack.up(),
    progress: { store: true, deliver: true },
  }),
});
