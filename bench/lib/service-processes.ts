import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import { projectRoot } from '../../adapters/project-root.js';
import { freePorts } from '../../test/harness/ports.js';
import { benchSecretKey, type MaterializerSettings, type ServicePlace, type StreamerSettings } from './stack.js';

/**
 * The materializer, the streamer and the API as three `evp` processes, as a deployment that
 * scales them apart runs them (`evp start` runs all three in one process): each has an event loop
 * of its own, so one's work does not wait behind another's.
 */
export interface ServiceProcesses {
  readonly materializerPort: number;
  readonly streamerPort: number;
  readonly apiPort: number;
  stop(): Promise<void>;
}

export async function startServiceProcesses(
  place: ServicePlace & { readonly env: Readonly<Record<string, string | undefined>> },
  groups: { readonly materializer: string; readonly streamer: string },
  materializer: MaterializerSettings,
  streamer: StreamerSettings,
): Promise<ServiceProcesses> {
  const [materializerPort = 0, streamerPort = 0, apiPort = 0] = await freePorts(3);
  const common = {
    DATABASE_URL: place.databaseUrl,
    DATABASE_SCHEMA: place.schema,
    KAFKA_BROKERS: place.brokers.join(','),
    SCHEMA_REGISTRY_URL: place.schemaRegistryUrl,
    TOPIC_PREFIX: place.topicPrefix,
    DESTINATION_SECRET_KEY: benchSecretKey.toString('base64'),
    DESTINATION_ALLOWED_HOSTS: '127.0.0.1',
    LOG_LEVEL: 'warn',
  };
  const children = [
    start(['materializer'], {
      ...common,
      MATERIALIZER_GROUP: groups.materializer,
      MATERIALIZER_PORT: String(materializerPort),
      MATERIALIZER_BATCH_SIZE: String(materializer.batchSize),
      MATERIALIZER_LINGER_MS: String(materializer.lingerMs),
      MATERIALIZER_CONCURRENCY: String(materializer.concurrency),
      EVENT_RETENTION_DAYS: String(materializer.retentionDays),
    }),
    start(['streamer'], {
      ...common,
      STREAMER_GROUP: groups.streamer,
      STREAMER_PORT: String(streamerPort),
      STREAMER_RETRY_SCHEDULE_MS: streamer.retryScheduleMs.join(','),
      STREAMER_MAX_CONCURRENCY: String(streamer.maxConcurrency),
      STREAMER_TIMEOUT_MS: String(streamer.timeoutMs),
      STREAMER_DISABLE_AFTER_HOURS: String(Math.max(1, Math.round(streamer.disableAfterMs / 3_600_000))),
      DELIVERY_RETENTION_DAYS: String(streamer.retentionDays),
    }),
    start(['api'], { ...common, API_PORT: String(apiPort) }),
  ];
  function start(args: string[], env: Record<string, string>): ChildProcess {
    const root = projectRoot();
    return spawn(process.execPath, ['--import', 'tsx', path.join(root, 'cli', 'evp.ts'), ...args], {
      cwd: root,
      env: { ...process.env, ...place.env, ...env },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
  }
  return {
    materializerPort,
    streamerPort,
    apiPort,
    async stop() {
      await Promise.all(
        children.map(async (child) => {
          if (child.exitCode !== null || child.signalCode !== null) return;
          const exited = once(child, 'exit');
          child.kill('SIGTERM');
          const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
          await exited;
          clearTimeout(timer);
        }),
      );
    },
  };
}
