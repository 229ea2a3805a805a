import { Command } from 'commander';
import { secretBoxOf } from '../adapters/secret-key.js';
import { loadStreamerConfig, type StreamerProcessConfig } from '../adapters/config.js';
import { settingDefault } from '../adapters/settings/setting.js';
import { streamerSettings } from '../adapters/settings/streamer.js';
import { createPublisher } from '../producers/index.js';
import type { Endpoints } from '../adapters/endpoints.js';
import type { StreamerOptions } from '../consumers/streamer/index.js';
import { defaultGroupInstanceId } from '../adapters/kafka/static-membership.js';
import { databaseUrl } from '../stack/index.js';
import { commandContext } from './context.js';
import { parsePort } from './materializer.js';
import { runService } from './run-service.js';

/**
 * What `evp streamer` takes from the configuration. One function, so a setting the API enforces
 * (an allowlist, a root) cannot be left out of the streamer that enforces it again.
 */
export function streamerOptionsFrom(
  config: Omit<StreamerProcessConfig, 'stack'>,
  endpoints: Endpoints,
): Omit<StreamerOptions, 'databaseUrl' | 'logger' | 'port' | 'secretBox'> {
  return {
    kafkaBrokers: endpoints.kafkaBrokers,
    kafkaSecurity: endpoints.kafkaSecurity,
    schemaRegistryUrl: endpoints.schemaRegistryUrl,
    registryAuth: endpoints.registryAuth,
    databaseSchema: config.databaseSchema,
    topicPrefix: config.topicPrefix,
    groupId: config.streamer.groupId,
    allowedHosts: config.destinationAllowedHosts,
    allowedKafkaBrokers: config.destinationAllowedKafkaBrokers,
    fileRoot: config.destinationFileRoot,
    retryScheduleMs: config.streamer.retryScheduleMs,
    maxConcurrency: config.streamer.maxConcurrency,
    maxInFlight: config.streamer.maxInFlight,
    timeoutMs: config.streamer.timeoutMs,
    disableAfterMs: config.streamer.disableAfterHours * 3_600_000,
    alertAfterFailures: config.streamer.alertAfterFailures,
    alertAfterMs: config.streamer.alertAfterMs,
    retentionDays: config.streamer.deliveryRetentionDays,
  };
}

/** `evp streamer`: runs until SIGTERM/SIGINT, start-up included, then lets its attempts finish and leaves the group. */
export function streamerCommand(): Command {
  return new Command('streamer')
    .description(
      'send every event to the destinations that subscribe to it (webhooks, Kafka, files, brokers, buckets, queues, streams), with retries',
    )
    .option(
      '--port <port>',
      `port of /healthz and /metrics (default STREAMER_PORT, ${settingDefault(streamerSettings.settings.STREAMER_PORT)}; 0 picks a free one)`,
      parsePort,
    )
    .action(async (options: { port?: number }) => {
      const { config, endpoints, logger } = commandContext('streamer', loadStreamerConfig);
      // Listening from the start: a signal during start-up aborts the waiting, or stops what started.
      const run = runService(logger);
      const publisher = createPublisher(config, { service: 'streamer', logger });
      const port = options.port ?? config.streamer.port;
      // The streamer's modules (every destination type's client) load only when it runs.
      const { startStreamer } = await import('../consumers/streamer/index.js');
      const starting = startStreamer({
        ...streamerOptionsFrom(config, endpoints),
        groupInstanceId: config.streamer.instanceId ?? defaultGroupInstanceId('streamer', port),
        sessionTimeoutMs: config.consumerSessionTimeoutMs,
        databaseUrl: await databaseUrl(config, logger),
        logger,
        port,
        secretBox: secretBoxOf(config, logger, false),
        publishEvent: (type, event) => publisher.publishUntyped(type, event),
        signal: run.signal,
      });
      const streamer = await run.started(starting, () => publisher.close());
      await run.stopRequested;
      await streamer.stop();
      await publisher.close();
    });
}
