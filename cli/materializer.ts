import { Command } from 'commander';
import { loadMaterializerConfig } from '../adapters/config.js';
import { materializerSettings } from '../adapters/settings/materializer.js';
import { settingDefault } from '../adapters/settings/setting.js';
import { InputError } from '../adapters/errors.js';
import { defaultGroupInstanceId } from '../adapters/kafka/static-membership.js';
import { databaseUrl } from '../stack/index.js';
import { commandContext } from './context.js';
import { runService } from './run-service.js';

/** `evp materializer`: runs until SIGTERM/SIGINT, start-up included, then finishes its batches and leaves the group. */
export function materializerCommand(): Command {
  return new Command('materializer')
    .description('write every event exactly once into PostgreSQL (event log, entity state, history)')
    .option('--reset-to <when>', 'replay the topics from `earliest` or from a time (RFC 3339), then keep consuming', parseResetTo)
    .option(
      '--port <port>',
      `port of /healthz and /metrics (default MATERIALIZER_PORT, ${settingDefault(materializerSettings.settings.MATERIALIZER_PORT)}; 0 picks a free one)`,
      parsePort,
    )
    .action(async (options: { resetTo?: 'earliest' | Date; port?: number }) => {
      const { config, endpoints, logger } = commandContext('materializer', loadMaterializerConfig);
      // Listening from the start: a signal during start-up aborts the waiting, or stops what started.
      const run = runService(logger);
      const port = options.port ?? config.materializer.port;
      // The materializer's modules load only when it runs.
      const { startMaterializer } = await import('../consumers/materializer/index.js');
      const starting = startMaterializer({
        kafkaBrokers: endpoints.kafkaBrokers,
        kafkaSecurity: endpoints.kafkaSecurity,
        schemaRegistryUrl: endpoints.schemaRegistryUrl,
        registryAuth: endpoints.registryAuth,
        databaseUrl: await databaseUrl(config, logger),
        databaseSchema: config.databaseSchema,
        topicPrefix: config.topicPrefix,
        groupId: config.materializer.groupId,
        groupInstanceId: config.materializer.instanceId ?? defaultGroupInstanceId('materializer', port),
        sessionTimeoutMs: config.consumerSessionTimeoutMs,
        logger,
        port,
        batchSize: config.materializer.batchSize,
        lingerMs: config.materializer.lingerMs,
        concurrency: config.materializer.concurrency,
        retentionDays: config.eventRetentionDays,
        resetTo: options.resetTo,
        signal: run.signal,
      });
      const materializer = await run.started(starting);
      await run.stopRequested;
      await materializer.stop();
    });
}

export function parseResetTo(value: string): 'earliest' | Date {
  if (value === 'earliest') return value;
  const time = /^\d{4}-\d{2}-\d{2}/.test(value) ? Date.parse(value) : Number.NaN;
  if (Number.isNaN(time))
    throw new InputError(`--reset-to must be "earliest" or a time such as 2026-11-01T00:00:00Z, got ${JSON.stringify(value)}`);
  return new Date(time);
}

export function parsePort(value: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new InputError(`--port must be 0..65535, got ${JSON.stringify(value)}`);
  return port;
}
