import { performance } from 'node:perf_hooks';
import { publishWindowed } from '../lib/stack.js';
import type { Measured } from './table.js';
import type { WorkloadSpec } from './workload.js';

/**
 * Sends the workload's records `batch` at a time with at most `window` records unacknowledged,
 * through whichever client `send` uses: the time from the first send to the last acknowledgement,
 * or an error that says how many were acknowledged. `detail` is read once the sends settled.
 */
export async function produceInBatches(
  spec: WorkloadSpec,
  send: (from: number, to: number) => Promise<unknown>,
  detail: () => Readonly<Record<string, unknown>>,
): Promise<Measured> {
  const { records, batch, window } = spec;
  let sent = 0;
  let lastAck = 0;
  const started = performance.now();
  const failure = await publishWindowed(
    Math.ceil(records / batch),
    Math.max(1, Math.floor(window / batch)),
    (i) => send(i * batch, Math.min(records, (i + 1) * batch)),
    () => {
      sent++;
      lastAck = performance.now();
    },
  );
  if (failure !== undefined)
    throw Object.assign(new Error(`${Math.min(records, sent * batch)} of ${records} acknowledged: ${(failure as Error).message}`), {
      detail: detail(),
    });
  return { records, elapsedMs: lastAck - started, detail: detail() };
}
