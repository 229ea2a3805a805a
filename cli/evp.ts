#!/usr/bin/env node
import { Command, CommanderError } from 'commander';
import { PipelineError, coerceError } from '../adapters/errors.js';
import { apiCommand } from './api.js';
import { demoCommand } from './demo.js';
import { destinationsCommand } from './destinations.js';
import { keysCommand } from './keys.js';
import { listenCommand } from './listen.js';
import { materializerCommand } from './materializer.js';
import { produceCommand } from './produce.js';
import { schemasCommand } from './schemas.js';
import { secretKeyCommand } from './secret-key.js';
import { stackCommand } from './stack.js';
import { startCommand } from './start.js';
import { streamerCommand } from './streamer.js';
import { tailCommand } from './tail.js';
import { topicsCommand } from './topics.js';

const program = new Command('evp')
  .description('event-pipeline: typed events on Kafka, materialized into PostgreSQL, streamed to destinations')
  .showHelpAfterError()
  .exitOverride()
  .addCommand(stackCommand())
  .addCommand(topicsCommand())
  .addCommand(schemasCommand())
  .addCommand(produceCommand())
  .addCommand(tailCommand())
  .addCommand(materializerCommand())
  .addCommand(streamerCommand())
  .addCommand(apiCommand())
  .addCommand(keysCommand())
  .addCommand(secretKeyCommand())
  .addCommand(destinationsCommand())
  .addCommand(listenCommand())
  .addCommand(startCommand())
  .addCommand(demoCommand());

try {
  await program.parseAsync(process.argv);
} catch (thrown) {
  if (thrown instanceof CommanderError) {
    process.exitCode = thrown.exitCode;
  } else {
    const error = coerceError(thrown);
    const code = error instanceof PipelineError ? ` [${error.code}]` : '';
    process.stderr.write(`evp: error${code}: ${error.message}\n`);
    if (process.env['LOG_LEVEL'] === 'debug' && error.stack) process.stderr.write(`${error.stack}\n`);
    process.exitCode = 1;
    // A service that failed while starting may still hold a signal listener's keep-alive timer.
    setTimeout(() => process.exit(), 200).unref();
  }
}
