import type { Config, StackConfig } from './config.js';

/** Kafka and the registry as clients reach them. (PostgreSQL's local URL depends on which server the stack found: `stackUp` returns it.) */
export interface Endpoints {
  readonly kafkaBrokers: readonly string[];
  readonly schemaRegistryUrl: string;
}

/** The local stack's Kafka listener (`evp stack up`). */
export function localKafkaBroker(stack: StackConfig): string {
  return `127.0.0.1:${stack.kafkaPort}`;
}

/** The local stack's registry, through its Confluent-compatible API. */
export function localRegistryUrl(stack: StackConfig): string {
  return `http://127.0.0.1:${stack.registryPort}/apis/ccompat/v7`;
}

/** Where the services are: the environment's endpoints, and for each one left unset the local stack's. */
export function resolveEndpoints(config: Config): Endpoints {
  return {
    kafkaBrokers: config.kafkaBrokers ?? [localKafkaBroker(config.stack)],
    schemaRegistryUrl: config.schemaRegistryUrl ?? localRegistryUrl(config.stack),
  };
}
