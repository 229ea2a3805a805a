import fs from 'node:fs';
import { loadConfig, type Config, type PublisherConfig } from '../adapters/config.js';
import { resolveEndpoints, type Endpoints } from '../adapters/endpoints.js';
import { InputError } from '../adapters/errors.js';
import { createLogger, type Logger } from '../adapters/logger.js';

/** What a command reads of the configuration: at least where Kafka and the registry are, and its log level. */
type CommandConfig = PublisherConfig & Pick<Config, 'logLevel'>;

export interface CommandContext<C extends CommandConfig = Config> {
  readonly config: C;
  readonly endpoints: Endpoints;
  readonly logger: Logger;
}

/**
 * What every command starts from: the validated environment, the endpoints, a logger bound to the
 * command. A service passes the loader of its own settings; the other commands read them all.
 */
export function commandContext(service: string): CommandContext;
export function commandContext<C extends CommandConfig>(service: string, load: (env: NodeJS.ProcessEnv) => C): CommandContext<C>;
export function commandContext(
  service: string,
  load: (env: NodeJS.ProcessEnv) => CommandConfig = loadConfig,
): CommandContext<CommandConfig> {
  const config = load(process.env);
  return { config, endpoints: resolveEndpoints(config), logger: createLogger(config.logLevel, { service }) };
}

/** A flag value that is JSON, or `@path` to a file holding JSON; errors name the flag. */
export function readJsonArgument(flag: string, text: string): unknown {
  let source = text;
  if (text.startsWith('@')) {
    try {
      source = fs.readFileSync(text.slice(1), 'utf8');
    } catch (error) {
      throw new InputError(`${flag} ${text}: cannot read the file (${(error as Error).message})`, { cause: error });
    }
  }
  try {
    return JSON.parse(source) as unknown;
  } catch (error) {
    throw new InputError(`${flag} is not valid JSON: ${(error as Error).message}`, { cause: error });
  }
}

/** Parses a positive whole number flag, naming the flag when it is not one. */
export function parseCount(flag: string) {
  return (value: string): number => {
    const parsed = Number(value);
    if (!Number.isInteger(parsed) || parsed < 1)
      throw new InputError(`${flag} must be a whole number of at least 1, got ${JSON.stringify(value)}`);
    return parsed;
  };
}
