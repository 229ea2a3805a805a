import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { loadConfig, type Config } from '../adapters/config.js';
import { createLogger, type Logger } from '../adapters/logger.js';
import {
  kafkaNodes,
  stackContext,
  stackDown,
  stackUp,
  startKafkaNode,
  stopKafkaNode,
  type KafkaNode,
  type ServiceName,
  type StackEndpoints,
} from '../stack/index.js';
import { embeddedDataDir } from '../stack/postgres.js';
import { freePorts } from '../test/harness/ports.js';

/**
 * Variables the pipeline reads that the suite sets itself: taken from the caller's shell they
 * would point the suite at someone else's Kafka, registry or database.
 */
const ownedVariables = [
  'KAFKA_BROKERS',
  'SCHEMA_REGISTRY_URL',
  'DATABASE_URL',
  'DATABASE_SCHEMA',
  'TOPIC_PREFIX',
  'MATERIALIZER_GROUP',
  'MATERIALIZER_PORT',
  'STREAMER_GROUP',
  'STREAMER_PORT',
  'STREAMER_RETRY_SCHEDULE_MS',
  'API_PORT',
  'DESTINATION_ALLOWED_HOSTS',
  'DESTINATION_SECRET_KEY',
  'DESTINATION_FILE_ROOT',
  'EVP_DATA_DIR',
  'EVP_KAFKA_PORT',
  'EVP_KAFKA_CONTROLLER_PORT',
  'EVP_KAFKA_NODES',
  'EVP_KAFKA_HEAP',
  'EVP_REGISTRY_PORT',
  'EVP_REGISTRY_MANAGEMENT_PORT',
  'EVP_POSTGRES_PORT',
];

/**
 * The suite's own Kafka, schema registry and PostgreSQL: `evp stack up` with a temporary data
 * directory and ports nothing listens on, so the embedded PostgreSQL starts there and nothing of
 * it is shared with the machine's other runs. The registry keeps its schemas in that PostgreSQL
 * (as `npm start` does), so a registry restart keeps every schema id.
 */
export interface OwnStack {
  readonly dataDir: string;
  /** The environment of every `evp` child: the stack's settings, none of the caller's endpoints. */
  readonly env: Readonly<Record<string, string>>;
  readonly config: Config;
  readonly logger: Logger;
  /** Kafka nodes in the cluster now (1, or 3 once `useBrokers(3)` ran). */
  readonly brokers: number;
  endpoints(): StackEndpoints;
  /** `evp stack up`: starts whatever is down, waits until each answers. */
  up(): Promise<void>;
  /** Stops one service of the stack (SIGTERM, or SIGINT for PostgreSQL) and waits until it is gone. */
  stop(service: ServiceName): Promise<void>;
  /** The Kafka nodes, each with its pid while it runs. */
  kafkaNodes(): KafkaNode[];
  /** Stops one Kafka node: SIGKILL as a crash, SIGTERM as a controlled shutdown; resolves once it is gone. */
  stopKafkaNode(nodeId: number, signal: 'SIGKILL' | 'SIGTERM'): Promise<void>;
  /** Starts one Kafka node again with its data; with `inSync`, waits until it is back in every partition's ISR. */
  startKafkaNode(nodeId: number, inSync: boolean): Promise<void>;
  /** Replaces the Kafka of the stack by `count` nodes (1 or 3); the other services stay. */
  useBrokers(count: 1 | 3): Promise<void>;
  /** Stops every process of the stack and removes its files (unless `keep`). */
  down(keep: boolean): Promise<void>;
}

/** Kafka's ports: node n of a cluster listens on EVP_KAFKA_PORT + 2(n-1) and EVP_KAFKA_CONTROLLER_PORT + 2(n-1). */
const kafkaPortBlock = 6;

export async function startOwnStack(): Promise<OwnStack> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'evp-chaos-'));
  const logger = createLogger(
    'silent',
    { service: 'stack' },
    { copyTo: { stream: pino.destination({ dest: path.join(dataDir, 'stack.log'), sync: true }), level: 'info' } },
  );
  const kafkaPort = await freePortBlock(kafkaPortBlock);
  const [registryPort, managementPort, postgresPort] = (await freePorts(3)).map(String) as [string, string, string];
  const base: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) if (value !== undefined && !ownedVariables.includes(key)) base[key] = value;
  let env: Record<string, string> = {
    ...base,
    EVP_DATA_DIR: dataDir,
    // Client and controller ports interleave (as the defaults 9092/9093 do): a cluster of three takes the block of six.
    EVP_KAFKA_PORT: String(kafkaPort),
    EVP_KAFKA_CONTROLLER_PORT: String(kafkaPort + 1),
    EVP_KAFKA_NODES: '1',
    EVP_REGISTRY_PORT: registryPort,
    EVP_REGISTRY_MANAGEMENT_PORT: managementPort,
    EVP_POSTGRES_PORT: postgresPort,
    LOG_LEVEL: 'info',
  };
  let config = loadConfig(env);
  let endpoints: StackEndpoints | undefined;
  const context = () => stackContext(config, logger);
  const embeddedDir = embeddedDataDir(context());

  const up = async () => {
    const result = await stackUp(config, logger, { registryStorage: 'sql' });
    endpoints = result.endpoints;
  };

  return {
    dataDir,
    get env() {
      return env;
    },
    get config() {
      return config;
    },
    logger,
    get brokers() {
      return config.stack.kafkaNodes;
    },
    endpoints() {
      if (!endpoints) throw new Error('the stack is not up yet');
      return endpoints;
    },
    up,
    async stop(service) {
      await stackDown(config, logger, { only: [service] });
    },
    kafkaNodes: () => kafkaNodes(context()),
    async stopKafkaNode(nodeId, signal) {
      if (!(await stopKafkaNode(context(), nodeId, signal))) throw new Error(`Kafka node ${nodeId} of this stack was not running`);
    },
    async startKafkaNode(nodeId, inSync) {
      await startKafkaNode(context(), nodeId, { inSync });
    },
    async useBrokers(count) {
      await stackDown(config, logger, { only: ['kafka'] });
      env = { ...env, EVP_KAFKA_NODES: String(count) };
      config = loadConfig(env);
      await up();
    },
    async down(keep) {
      await stackDown(config, logger);
      if (keep) return;
      fs.rmSync(dataDir, { recursive: true, force: true });
      // As root the embedded server keeps its data under the temp directory, named after the data dir.
      if (!embeddedDir.startsWith(dataDir)) fs.rmSync(embeddedDir, { recursive: true, force: true });
    },
  };
}

/**
 * The first of `count` consecutive ports nothing listens on (tried by binding each), from a random
 * start below the kernel's ephemeral range (32768 up), where outgoing connections take theirs.
 */
async function freePortBlock(count: number): Promise<number> {
  for (let tries = 0; tries < 50; tries++) {
    const first = 20_000 + Math.floor(Math.random() * 12_000);
    const bound: net.Server[] = [];
    try {
      for (let port = first; port < first + count; port++) {
        bound.push(
          await new Promise<net.Server>((resolve, reject) => {
            const server = net.createServer();
            server.once('error', reject);
            server.listen(port, '127.0.0.1', () => resolve(server));
          }),
        );
      }
      return first;
    } catch {
      // One of them is taken: another block.
    } finally {
      await Promise.all(bound.map((server) => new Promise((resolve) => server.close(resolve))));
    }
  }
  throw new Error(`found no ${count} consecutive free ports on 127.0.0.1`);
}
