import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { pino } from 'pino';
import type pg from 'pg';
import { loadConfig } from '../adapters/config.js';
import { createPool } from '../adapters/database.js';
import { createKafka } from '../adapters/kafka/index.js';
import { createLogger, type Logger } from '../adapters/logger.js';
import { createPublisher } from '../producers/publisher.js';
import type { Publisher } from '../producers/types.js';
import { freePorts } from '../test/harness/ports.js';
import type { OwnStack } from './own-stack.js';
import { runEvp, startService, waitHealthy, type ServiceProcess } from './services.js';

/** Delays before each delivery attempt: eight attempts like the default schedule, within two minutes so a run stays bounded. */
export const chaosRetrySchedule = '0,1000,2000,4000,8000,15000,30000,60000';

export type PipelineService = 'materializer' | 'streamer' | 'api';
const services: readonly PipelineService[] = ['api', 'materializer', 'streamer'];

/**
 * The pipeline on one Kafka cluster of the suite's stack: topics under a prefix of its own, its
 * tables in a PostgreSQL schema of its own, and `evp materializer`, `evp streamer` and `evp api`
 * as child processes a scenario may SIGKILL and start again. Scenarios share it, each with an
 * organization (and destination) of its own.
 */
export interface Pipeline {
  readonly topicPrefix: string;
  readonly env: Readonly<Record<string, string>>;
  /** Where its services' logs go. */
  readonly logDir: string;
  /** A pool whose search_path is the pipeline's schema. */
  readonly pool: pg.Pool;
  readonly publisher: Publisher;
  readonly logger: Logger;
  readonly apiUrl: string;
  /** The running process of a service (the latest one started). */
  service(name: PipelineService): ServiceProcess;
  /** Starts the service again (after a kill); resolves once it is spawned, not once it is ready. */
  restart(name: PipelineService): ServiceProcess;
  /** Starts any service that is not running and waits until each answers `/healthz` 200. */
  ensureReady(timeoutMs?: number): Promise<void>;
  /** Stops its services and clients; with `deleteTopics`, also deletes its topics (the cluster stays in use). */
  close(deleteTopics: boolean): Promise<void>;
}

export async function startPipeline(stack: OwnStack, runId: string, label: string): Promise<Pipeline> {
  const id = `${runId}_${label}`;
  const topicPrefix = `chaos.${id}`;
  const logDir = path.join(stack.dataDir, 'logs', label);
  const logger = createLogger(
    'silent',
    { service: 'chaos' },
    { copyTo: { stream: pino.destination({ dest: path.join(logDir, 'chaos.log'), mkdir: true, sync: true }), level: 'info' } },
  );
  const endpoints = stack.endpoints();
  const [materializerPort, streamerPort, apiPort] = (await freePorts(3)) as [number, number, number];
  // The same port on every restart: the members' static group instance ids are made from it.
  const ports: Record<PipelineService, number> = { materializer: materializerPort, streamer: streamerPort, api: apiPort };
  const env: Record<string, string> = {
    ...stack.env,
    KAFKA_BROKERS: endpoints.kafkaBrokers.join(','),
    SCHEMA_REGISTRY_URL: endpoints.schemaRegistryUrl,
    DATABASE_URL: endpoints.databaseUrl,
    DATABASE_SCHEMA: id,
    TOPIC_PREFIX: topicPrefix,
    MATERIALIZER_PORT: String(materializerPort),
    STREAMER_PORT: String(streamerPort),
    API_PORT: String(apiPort),
    API_RATE_LIMIT: '0',
    DESTINATION_ALLOWED_HOSTS: '127.0.0.1',
    DESTINATION_SECRET_KEY: randomBytes(32).toString('base64'),
    STREAMER_RETRY_SCHEDULE_MS: chaosRetrySchedule,
  };

  const processes = new Map<PipelineService, ServiceProcess>();
  const starts = new Map<PipelineService, number>();
  const spawnService = (service: PipelineService) => {
    const count = (starts.get(service) ?? 0) + 1;
    starts.set(service, count);
    const started = startService(service, [service], env, path.join(logDir, `${service}-${count}.log`));
    processes.set(service, started);
    return started;
  };
  const ensureReady = async (timeoutMs = 90_000) => {
    await Promise.all(
      services.map(async (service) => {
        const running = processes.get(service);
        const current = running?.running() ? running : spawnService(service);
        if (!(await waitHealthy(ports[service], current, timeoutMs))) {
          throw new Error(`evp ${service} did not answer /healthz 200 within ${timeoutMs} ms; read ${logDir}/${service}-*.log`);
        }
      }),
    );
  };

  const setupLog = path.join(logDir, 'setup.log');
  await Promise.all([
    runEvp(['topics', 'ensure', '--partitions', '3', '--retention', '1h', '--dead-letter-retention', '1h'], env, setupLog),
    runEvp(['schemas', 'register'], env, setupLog),
  ]);
  await ensureReady();

  const pool = createPool({ url: endpoints.databaseUrl, schema: id, max: 4, applicationName: 'evp-chaos', logger });
  const publisher = createPublisher(loadConfig(env), { service: 'chaos', logger });

  return {
    topicPrefix,
    env,
    logDir,
    pool,
    publisher,
    logger,
    apiUrl: `http://127.0.0.1:${apiPort}`,
    service(service) {
      const running = processes.get(service);
      if (!running) throw new Error(`evp ${service} was never started`);
      return running;
    },
    restart: spawnService,
    ensureReady,
    async close(deleteTopics) {
      await Promise.all([...processes.values()].map((service) => service.stop('SIGTERM', 10_000)));
      await publisher.close().catch(() => undefined);
      await pool.end().catch(() => undefined);
      if (!deleteTopics) return;
      // The topics go now; the schema stays in the suite's PostgreSQL until the stack is removed.
      const admin = createKafka({ brokers: stack.endpoints().kafkaBrokers, clientId: 'evp-chaos', logger, quiet: true }).admin();
      try {
        await admin.connect();
        const topics = (await admin.listTopics()).filter((topic) => topic.startsWith(`${topicPrefix}.`));
        if (topics.length > 0) await admin.deleteTopics({ topics, timeout: 30_000 });
      } catch (error) {
        logger.warn({ err: error }, 'deleting the pipeline topics failed');
      } finally {
        await admin.disconnect().catch(() => undefined);
      }
    },
  };
}
