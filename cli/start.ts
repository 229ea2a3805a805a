import { Command } from 'commander';
import { loadConfig } from '../adapters/config.js';
import { createLogger } from '../adapters/logger.js';
import { stackDown, stackUp } from '../stack/index.js';
import { printServices } from './stack.js';

/**
 * `evp start` (what `npm start` runs): brings the stack up with durable registry storage and
 * stays in the foreground; Ctrl-C stops what this command started and nothing else.
 */
export function startCommand(): Command {
  return new Command('start').description('bring up the stack (schemas kept in PostgreSQL) and run until Ctrl-C').action(async () => {
    const config = loadConfig();
    const logger = createLogger(config.logLevel, { service: 'start' });
    const result = await stackUp(config, logger, { registryStorage: 'sql' });
    printServices(result.services, false);
    process.stdout.write('\nevent-pipeline stack is running. Press Ctrl-C to stop what this command started.\n');
    await new Promise<void>((resolve) => {
      // Signal listeners alone do not keep Node's event loop alive.
      const keepAlive = setInterval(() => undefined, 60_000);
      const stop = () => {
        clearInterval(keepAlive);
        resolve();
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
    logger.info({ services: result.started }, 'stopping');
    await stackDown(config, logger, { only: result.started });
  });
}
