import { Command } from 'commander';
import { secretBoxOf } from '../adapters/secret-key.js';
import { startStreamer } from '../consumers/streamer/index.js';
import { createPublisher } from '../producers/index.js';
import { databaseUrl } from '../stack/index.js';
import { commandContext } from './context.js';
import { parsePort } from './materializer.js';
import { untilSignal } from './signals.js';

/** `evp streamer`: runs until SIGTERM/SIGINT, then lets its attempts finish and leaves the group. */
export function streamerCommand(): Command {
  return new Command('streamer')
    .description('send every event to the destinations that subscribe to it (webhooks, Kafka topics, files), with retries')
    .option('--port <port>', 'port of /healthz and /metrics (default STREAMER_PORT, 3002; 0 picks a free one)', parsePort)
    .action(async (options: { port?: number }) => {
      const { config, endpoints, logger } = commandContext('streamer');
      // Listening from the start: a signal during start-up still ends in a graceful stop.
      const stopRequested = untilSignal(logger);
      const publisher = createPublisher(config, { service: 'streamer', logger });
      const streamer = await startStreamer({
        kafkaBrokers: endpoints.kafkaBrokers,
        schemaRegistryUrl: endpoints.schemaRegistryUrl,
        databaseUrl: await databaseUrl(config, logger),
        databaseSchema: config.databaseSchema,
        topicPrefix: config.topicPrefix,
        groupId: config.streamer.groupId,
        logger,
        port: options.port ?? config.streamer.port,
        allowedHosts: config.destinationAllowedHosts,
        secretBox: secretBoxOf(config, logger, false),
        fileRoot: config.destinationFileRoot,
        retryScheduleMs: config.streamer.retryScheduleMs,
        maxConcurrency: config.streamer.maxConcurrency,
        timeoutMs: config.streamer.timeoutMs,
        disableAfterMs: config.streamer.disableAfterHours * 3_600_000,
        retentionDays: config.streamer.deliveryRetentionDays,
        publishEvent: (type, event) => publisher.publishUntyped(type, event),
      });
      await stopRequested;
      await streamer.stop();
      await publisher.close();
    });
}
