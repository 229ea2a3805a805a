import { Command, Option } from 'commander';
import { loadStackConfig } from '../adapters/config.js';
import { createLogger } from '../adapters/logger.js';
import { redactUrl } from '../core/redact-url.js';
import { stackDown, stackStatus, stackUp, type ServiceStatus } from '../stack/index.js';

/** `evp stack up | down | status`. */
export function stackCommand(): Command {
  const stack = new Command('stack').description('start, stop and inspect the local Kafka, schema registry and PostgreSQL');

  stack
    .command('up')
    .description('start what is not running (reusing what is) and wait until each service answers')
    .addOption(
      new Option('--registry-storage <kind>', 'memory: empty at each start; sql: schemas kept in PostgreSQL')
        .choices(['memory', 'sql'])
        .default('memory'),
    )
    .addOption(
      new Option(
        '--brokers <n>',
        'Kafka nodes: 1, or 3 for a cluster that keeps working when one dies (default: EVP_KAFKA_NODES, else 1)',
      ).choices(['1', '3']),
    )
    .option('--json', 'print the services as JSON')
    .action(async (options: { registryStorage: 'memory' | 'sql'; brokers?: '1' | '3'; json?: boolean }) => {
      const config = loadStackConfig(options.brokers === undefined ? process.env : { ...process.env, EVP_KAFKA_NODES: options.brokers });
      const result = await stackUp(config, createLogger(config.logLevel, { service: 'stack' }), {
        registryStorage: options.registryStorage,
      });
      printServices(result.services, options.json === true);
    });

  stack
    .command('down')
    .description('stop the processes `stack up` started (never those it found running)')
    .action(async () => {
      const config = loadStackConfig();
      const stopped = await stackDown(config, createLogger(config.logLevel, { service: 'stack' }));
      process.stdout.write(stopped.length > 0 ? `stopped: ${stopped.join(', ')}\n` : 'nothing of ours was running\n');
    });

  stack
    .command('status')
    .description('show each service: endpoint, state, and whether the stack started it')
    .option('--json', 'print the services as JSON')
    .action(async (options: { json?: boolean }) => {
      const config = loadStackConfig();
      const services = await stackStatus(config, createLogger(config.logLevel, { service: 'stack' }));
      printServices(services, options.json === true);
      if (services.some((service) => service.state !== 'up')) process.exitCode = 3;
    });

  return stack;
}

const originText = { env: 'given by environment', stack: 'started by evp stack', external: 'already running, reused' } as const;

export function printServices(given: readonly ServiceStatus[], json: boolean): void {
  // An endpoint given by the environment (SCHEMA_REGISTRY_URL) may carry a password.
  const services = given.map((service) => ({ ...service, endpoint: redactUrl(service.endpoint) }));
  if (json) {
    const byName = Object.fromEntries(services.map(({ name, started: _started, ...rest }) => [name, rest]));
    process.stdout.write(`${JSON.stringify(byName, null, 2)}\n`);
    return;
  }
  for (const service of services) {
    const pid = service.pid === undefined ? '' : ` pid ${service.pid}`;
    const details = service.details
      ? ` ${Object.entries(service.details)
          .map(([k, v]) => `${k}=${v}`)
          .join(' ')}`
      : '';
    process.stdout.write(
      `${service.name.padEnd(9)} ${service.state.padEnd(5)} ${service.endpoint}  (${originText[service.origin]}${pid}${details})\n`,
    );
    if (service.logFile) process.stdout.write(`${''.padEnd(16)}log: ${service.logFile}\n`);
    for (const node of service.nodes ?? []) {
      const nodePid = node.pid === undefined ? '' : ` pid ${node.pid}`;
      process.stdout.write(
        `${''.padEnd(16)}node ${node.nodeId} ${node.state.padEnd(5)} ${node.endpoint}${nodePid}  log: ${node.logFile}\n`,
      );
    }
  }
}
