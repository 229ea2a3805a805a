import type { Logger } from '../adapters/logger.js';
import { untilSignal } from './signals.js';

/** How long start-up may take to wind down after a signal before the process exits anyway, in ms. */
const startupGraceMs = 15_000;

export interface ServiceRun {
  /** Aborted by the first SIGTERM or SIGINT: start-up passes it on to whatever it waits for. */
  readonly signal: AbortSignal;
  /** Resolves on the first SIGTERM or SIGINT. */
  readonly stopRequested: Promise<NodeJS.Signals>;
  /**
   * The started service. When a signal came during start-up and start-up gave up (having closed
   * what it opened), `close` runs, the process says so and exits. `close` also runs when start-up
   * fails on its own, before the error is thrown.
   */
  started<T>(starting: Promise<T>, close?: () => Promise<void>): Promise<T>;
}

/**
 * A long-lived service's run: the signal handlers are in place before start-up begins, so SIGTERM
 * stops the service at any point, including while it waits for a database that does not answer
 * or for topics not created yet. A start that completes after the signal is stopped like a
 * running service, by the caller's `stopRequested` path.
 */
export function runService(logger: Logger): ServiceRun {
  const controller = new AbortController();
  let starting = true;
  let grace: NodeJS.Timeout | undefined;
  const stopRequested = untilSignal(logger);
  void stopRequested.then((signal) => {
    controller.abort(new Error(`${signal} received during start-up`));
    // Start-up steps that take no signal end at their own timeouts; this bounds the wait for them.
    if (starting) {
      grace = setTimeout(() => {
        logger.warn({ graceMs: startupGraceMs }, 'start-up did not wind down in time; exiting');
        process.exit(1);
      }, startupGraceMs);
    }
  });
  return {
    signal: controller.signal,
    stopRequested,
    async started(work, close = () => Promise.resolve()) {
      try {
        return await work;
      } catch (error) {
        await close().catch(() => undefined);
        if (!controller.signal.aborted) throw error;
        logger.info('stopped during start-up');
        // Nothing of the service runs any more; what start-up left waiting must not hold the process.
        process.exit(0);
      } finally {
        starting = false;
        clearTimeout(grace);
      }
    },
  };
}
