import type { LocalStackConfig } from '../adapters/config.js';
import type { Logger } from '../adapters/logger.js';
import { kafkaDown, kafkaStatus, kafkaUp } from './kafka.js';
import { kafkaNodes, type KafkaNode } from './kafka-nodes.js';
import { localSecurityFiles } from './kafka-secure.js';
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
  /** The local Kafka's secured listeners, when the stack runs Kafka itself (not for `KAFKA_BROKERS` or a Kafka it found running). */
  readonly kafkaSecured?: SecuredKafkaEndpoints | undefined;
}

/** Where and how to reach the local Kafka's secured listeners: each a bootstrap list, and the files and user they take. */
export interface SecuredKafkaEndpoints {
  /** SASL (PLAIN, SCRAM-SHA-256, SCRAM-SHA-512) over TLS. */
  readonly saslSsl: readonly string[];
  /** TLS that requires a client certificate. */
  readonly ssl: readonly string[];
  readonly saslPlaintext: readonly string[];
  /** PEM files: the CA that signed the broker's certificate, and a client certificate and key it trusts. */
  readonly caFile: string;
  readonly clientCertFile: string;
  readonly clientKeyFile: string;
  readonly username: string;
  readonly password: string;
}

/** The secured listeners of the configured nodes, with the files `evp stack up` made for them. */
export function securedKafkaEndpoints(ctx: ServiceContext): SecuredKafkaEndpoints {
  const nodes = kafkaNodes(ctx);
  const files = localSecurityFiles(ctx.paths.kafkaSecureDir);
  const at = (port: (node: KafkaNode) => number) => nodes.map((node) => `127.0.0.1:${port(node)}`);
  return {
    saslSsl: at((node) => node.secured.saslSsl),
    ssl: at((node) => node.secured.ssl),
    saslPlaintext: at((node) => node.secured.saslPlaintext),
    caFile: files.caPem,
    clientCertFile: files.clientCertPem,
    clientKeyFile: files.clientKeyPem,
    username: files.username,
    password: files.password,
  };
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
      endpoints: {
        kafkaBrokers: kafka.endpoint.split(','),
        schemaRegistryUrl: registry.endpoint,
        databaseUrl,
        ...(kafka.origin === 'stack' ? { kafkaSecured: securedKafkaEndpoints(ctx) } : {}),
      },
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
