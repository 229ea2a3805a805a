import type { Config } from './config.js';

export interface Endpoints {
  readonly kafkaBrokers: readonly string[];
  readonly schemaRegistryUrl: string;
  readonly databaseUrl: string;
}

/**
 * Where the services are: the environment's endpoints, and for each one left unset the local
 * stack's (`evp stack up`), on the ports the stack binds.
 */
export function resolveEndpoints(config: Config): Endpoints {
  return {
    kafkaBrokers: config.kafkaBrokers ?? [`127.0.0.1:${config.stack.kafkaPort}`],
    schemaRegistryUrl: config.schemaRegistryUrl ?? `http://127.0.0.1:${config.stack.registryPort}/apis/ccompat/v7`,
    databaseUrl: config.databaseUrl ?? `postgres://postgres@127.0.0.1:${config.stack.postgresPort}/event_pipeline`,
  };
}
