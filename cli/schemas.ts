import { Command, Option } from 'commander';
import { createRegistryClient } from '../adapters/registry.js';
import { readEventSchemas } from '../schemas/event-schemas.js';
import { checkSchemas, compatibilityLevels, registerSchemas, type CompatibilityLevel } from '../schemas/governance.js';
import { commandContext } from './context.js';

/** `evp schemas register | check`. */
export function schemasCommand(): Command {
  const schemas = new Command('schemas').description('register the event schemas and check changes against the registry');

  schemas
    .command('register')
    .description('register each entity event schema under <prefix>.<entity>-value and set the subject compatibility')
    .addOption(
      new Option('--compatibility <level>', 'the rule the registry enforces on each subject')
        .choices(compatibilityLevels)
        .default('BACKWARD'),
    )
    .option('--json', 'print the outcome as JSON')
    .action(async (options: { compatibility: CompatibilityLevel; json?: boolean }) => {
      const { config, endpoints } = commandContext('schemas');
      const registry = createRegistryClient({ url: endpoints.schemaRegistryUrl, auth: endpoints.registryAuth });
      const result = await registerSchemas({
        registry,
        topicPrefix: config.topicPrefix,
        schemas: readEventSchemas(),
        compatibility: options.compatibility,
      });
      if (options.json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
      else {
        for (const outcome of result.outcomes) {
          if (outcome.status === 'refused') {
            process.stdout.write(`refused    ${outcome.subject}\n${outcome.problems.map((p) => `           - ${p}\n`).join('')}`);
          } else {
            process.stdout.write(
              `${outcome.status.padEnd(10)} ${outcome.subject}  id=${outcome.id}${outcome.version === undefined ? '' : ` version=${outcome.version}`}\n`,
            );
          }
        }
      }
      const refused = result.outcomes.filter((o) => o.status === 'refused').length;
      if (refused > 0) {
        process.stderr.write(
          `evp: ${refused} schema(s) refused by the registry under ${result.compatibility}; nothing was changed for them\n`,
        );
        process.exitCode = 2;
      }
    });

  schemas
    .command('check')
    .description('tell, without registering, whether the working tree schemas are compatible with the registry (exit 2 when not)')
    .option('--json', 'print the outcome as JSON')
    .action(async (options: { json?: boolean }) => {
      const { config, endpoints } = commandContext('schemas');
      const registry = createRegistryClient({ url: endpoints.schemaRegistryUrl, auth: endpoints.registryAuth });
      const outcomes = await checkSchemas({ registry, topicPrefix: config.topicPrefix, schemas: readEventSchemas() });
      if (options.json) process.stdout.write(`${JSON.stringify(outcomes, null, 2)}\n`);
      else {
        for (const outcome of outcomes) {
          process.stdout.write(`${outcome.status.padEnd(12)} ${outcome.subject}  (${outcome.compatibility})\n`);
          if (outcome.status === 'incompatible') process.stdout.write(outcome.problems.map((p) => `             - ${p}\n`).join(''));
        }
      }
      const broken = outcomes.filter((o) => o.status === 'incompatible').length;
      if (broken > 0) {
        process.stderr.write(`evp: ${broken} schema(s) would be refused by the registry\n`);
        process.exitCode = 2;
      }
    });

  return schemas;
}
