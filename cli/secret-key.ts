import { Command } from 'commander';
import { secretBoxOf, secretKeyFile } from '../adapters/secret-key.js';
import { createSecretKey } from '../core/secret-box.js';
import { commandContext } from './context.js';

/** `evp secret-key`: the key webhook signing secrets are sealed with at rest. */
export function secretKeyCommand(): Command {
  const command = new Command('secret-key').description('the key webhook signing secrets are sealed with at rest (DESTINATION_SECRET_KEY)');
  command
    .command('ensure')
    .description("make this machine's key file unless DESTINATION_SECRET_KEY is set or the file exists, and print the key's id")
    .action(() => {
      const { config, logger } = commandContext('secret-key');
      const box = secretBoxOf(config, logger, true);
      const source = config.destinationSecretKey === undefined ? secretKeyFile(config.stack.dataDir) : 'DESTINATION_SECRET_KEY';
      process.stdout.write(`key ${box.keyId} (${source})\n`);
    });
  command
    .command('new')
    .description('print a new random key, for DESTINATION_SECRET_KEY')
    .action(() => {
      process.stdout.write(`${createSecretKey()}\n`);
    });
  return command;
}
