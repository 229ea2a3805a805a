import type { LocalStackConfig } from '../adapters/config.js';
import type { Logger } from '../adapters/logger.js';
import { kafkaDown, kafkaStatus, kafkaUp } from './kafka.js';
import { withLock } from './lock.js';
import { stackPaths } from './paths.js';
import { pipelineDatabaseUrl, postgresDown, postgresStatus, postgresUp } from './postgres.js';
import { registryDown, registryStatus, registryUp, type RegistryStorage } from './registry.js';
import type { ServiceContext, ServiceName, ServiceStatus } from './service.js';

/** What clients need to reach the three services. */
export interface StackEndpoints {
  /** Kafka bootstrap brokers (host:port). */
  readonly kafkaBrokers: readonly string[];
  /** The Confluent-compatible registry API base, e.g. http://127.0.0.1:8081/apis/ccompat/v7. */
  readonly schemaRegistryUrl: string;
  /** The pipeline's PostgreSQL database. */
  readonly databaseUrl: string;
}

export interface StackUp {
  readonly endpoints: StackEndpoints;
  readonly services: readonly ServiceStatus[];
  /** The services this call started (and a matching `stackDown({ only })` would stop). */
  readonly started: readonly ServiceName[];
}

export interface StackUpOptions {
  /** @defaultValue `memory` */
  registryStorage?: RegistryStorage;
}

/** What the stack's service functions take (`kafkaNodes`, `startKafkaNode`, …): the config, its paths, a logger. */
export function stackContext(config: LocalStackConfig, logger: Logger): ServiceContext {
  return { config, logger, paths: stackPaths(config.stack) };
}

/**
 * Brings up PostgreSQL, Kafka and the schema registry, reusing whatever already runs, and waits
 * until each answers. Endpoints given by environment variables are only checked, never started.
 */
export async function stackUp(config: LocalStackConfig, logger: Logger, options: StackUpOptions = {}): Promise<StackUp> {
  const ctx = stackContext(config, logger);
  return withLock(ctx.paths.lockFile, config.stack.readyTimeoutMs * 3, async () => {
    const postgres = await postgresUp(ctx);
    // Kafka and the registry do not depend on each other; start both JVMs at once.
    const [kafka, registry] = await Promise.all([
      kafkaUp(ctx),
      registryUp(ctx, { storage: options.registryStorage ?? 'memory', postgresUrl: postgres.url }),
    ]);
    const { url: databaseUrl, ...postgresStatus } = postgres;
    const services: ServiceStatus[] = [kafka, registry, postgresStatus];
    return {
      endpoints: { kafkaBrokers: kafka.endpoint.split(','), schemaRegistryUrl: registry.endpoint, databaseUrl },
      services,
      started: services.filter((service) => service.started === true).map((service) => service.name),
    };
  });
}

export interface StackDownOptions {
  /** Stop only these (e.g. what one `stackUp` started); all by default. */
  only?: readonly ServiceName[];
}

/** Stops the processes the stack started (pid files); returns the names of those it stopped. */
export async function stackDown(config: LocalStackConfig, logger: Logger, options: StackDownOptions = {}): Promise<ServiceName[]> {
  const ctx = stackContext(config, logger);
  const wanted = new Set<ServiceName>(options.only ?? ['kafka', 'registry', 'postgres']);
  return withLock(ctx.paths.lockFile, config.stack.readyTimeoutMs * 3, async () => {
    const stopped: ServiceName[] = [];
    // The registry first: with sql storage it holds connections to PostgreSQL.
    if (wanted.has('registry') && (await registryDown(ctx))) stopped.push('registry');
    if (wanted.has('kafka') && (await kafkaDown(ctx))) stopped.push('kafka');
    if (wanted.has('postgres') && (await postgresDown(ctx))) stopped.push('postgres');
    for (const name of stopped) logger.info({ name }, 'stopped');
    return stopped;
  });
}

export async function stackStatus(config: LocalStackConfig, logger: Logger): Promise<ServiceStatus[]> {
  const ctx = stackContext(config, logger);
  return Promise.all([kafkaStatus(ctx), registryStatus(ctx), postgresStatus(ctx)]);
}

/** The pipeline database's URL for a service to connect to (see `pipelineDatabaseUrl`). */
export async function databaseUrl(config: LocalStackConfig, logger: Logger): Promise<string> {
  // Given one, a service never reads the local stack's settings.
  if (config.databaseUrl) return config.databaseUrl;
  return pipelineDatabaseUrl(stackContext(config, logger));
}
