import type { KafkaSecurity } from './kafka/security.js';
import type { PublisherConfig } from './publisher-config.js';
import type { RegistryAuth } from './registry.js';
import type { StackConfig } from './settings/process-config.js';

/** Kafka and the registry as clients reach them. (PostgreSQL's local URL depends on which server the stack found: `stackUp` returns it.) */
export interface Endpoints {
  readonly kafkaBrokers: readonly string[];
  /** How clients authenticate to those brokers: plaintext for the local stack's own listener. */
  readonly kafkaSecurity: KafkaSecurity;
  readonly schemaRegistryUrl: string;
  readonly registryAuth: RegistryAuth;
}

/**
 * The local stack's Kafka listeners (`evp stack up`): one per node, node n on `EVP_KAFKA_PORT` + 2(n-1),
 * so a client still bootstraps while any one node of three is down.
 */
export function localKafkaBrokers(stack: StackConfig): string[] {
  return Array.from({ length: stack.kafkaNodes }, (_, index) => `127.0.0.1:${stack.kafkaPort + 2 * index}`);
}

/** The local stack's registry, through its Confluent-compatible API. */
export function localRegistryUrl(stack: StackConfig): string {
  return `http://127.0.0.1:${stack.registryPort}/apis/ccompat/v7`;
}

/** Where the services are: the environment's endpoints, and for each one left unset the local stack's. */
export function resolveEndpoints(
  config: Pick<PublisherConfig, 'kafkaBrokers' | 'kafkaSecurity' | 'schemaRegistryUrl' | 'registryAuth' | 'stack'>,
): Endpoints {
  return {
    kafkaBrokers: config.kafkaBrokers ?? localKafkaBrokers(config.stack),
    kafkaSecurity: config.kafkaSecurity,
    schemaRegistryUrl: config.schemaRegistryUrl ?? localRegistryUrl(config.stack),
    registryAuth: config.registryAuth,
  };
}
