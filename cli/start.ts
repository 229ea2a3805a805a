import { Command } from 'commander';
import { loadConfig } from '../adapters/config.js';
import { createLogger } from '../adapters/logger.js';
import { stackDown, stackUp } from '../stack/index.js';
import { untilSignal } from './signals.js';
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
    await untilSignal(logger);
    logger.info({ services: result.started }, 'stopping');
    await stackDown(config, logger, { only: result.started });
  });
}
