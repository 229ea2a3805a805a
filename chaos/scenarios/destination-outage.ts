import { outageScenario } from './outage.js';

const retryAfterSeconds = 2;
const outageMs = 30_000;

/**
 * 7. The receiver answers every request `503` with `Retry-After: 2` for 30 s, then 200. The
 * streamer must keep retrying through the outage: every delivery ends `delivered`, none `failed`.
 * Published at 20 events/s, so the retries of the backlog stay within what two cores can send.
 */
export const destinationOutage = outageScenario({
  id: '7',
  name: 'destination-outage',
  title: 'destination 503 + Retry-After',
  rate: 20,
  injected: `receiver 503 + Retry-After: ${retryAfterSeconds} for ${outageMs / 1000} s`,
  outage: (ctx) => ({
    what: `receiver answers 503, Retry-After: ${retryAfterSeconds}`,
    afterMs: 2000,
    down: () => Promise.resolve(ctx.tenant.receiver.answerUnavailable(retryAfterSeconds)),
    downMs: outageMs,
    up: () => Promise.resolve(ctx.tenant.receiver.answerHealthy()),
    progress: { deliver: true },
  }),
});
