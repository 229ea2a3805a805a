import type { Logger } from '../adapters/logger.js';

/**
 * Resolves on the first SIGINT or SIGTERM, so a service can shut down gracefully; a second one
 * exits at once (for an operator who does not want to wait).
 */
export function untilSignal(logger: Logger): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    // Signal listeners alone do not keep Node's event loop alive.
    const keepAlive = setInterval(() => undefined, 60_000);
    const onSignal = (signal: NodeJS.Signals) => {
      clearInterval(keepAlive);
      process.removeListener('SIGINT', onSignal);
      process.removeListener('SIGTERM', onSignal);
      process.once('SIGINT', () => process.exit(130));
      process.once('SIGTERM', () => process.exit(143));
      logger.info({ signal }, 'shutting down');
      resolve(signal);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
}
