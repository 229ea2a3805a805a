import { Command } from 'commander';
import fs from 'node:fs';
import { loadApiConfig } from '../adapters/config.js';
import { apiSettings } from '../adapters/settings/api.js';
import { settingDefault } from '../adapters/settings/setting.js';
import { secretBoxOf, secretKeyFile } from '../adapters/secret-key.js';
import { createPublisher } from '../producers/index.js';
import { databaseUrl } from '../stack/index.js';
import { commandContext } from './context.js';
import { parsePort } from './materializer.js';
import { runService } from './run-service.js';

/** `evp api`: serves the Events API until SIGTERM/SIGINT. */
export function apiCommand(): Command {
  return new Command('api')
    .description('serve the Events API: events, live tail, event types, entities (docs at /docs)')
    .option(
      '--port <port>',
      `listening port (default API_PORT, ${settingDefault(apiSettings.settings.API_PORT)}; 0 picks a free one)`,
      parsePort,
    )
    .action(async (options: { port?: number }) => {
      const { config, endpoints, logger } = commandContext('api', loadApiConfig);
      // Listening from the start: a signal during start-up ends it, or stops what started.
      const run = runService(logger);
      // The API's own events (destination.enabled) go out as source `api`, like any service's.
      const publisher = createPublisher(config, { service: 'api', logger });
      const box = secretBoxOf(config, logger, true);
      // Made just now by this process, or by `evp start` for it.
      const madeNow = box.madeFile !== undefined || process.env['EVP_SECRET_KEY_MADE_NOW'] === '1';
      // The API's modules load only when it runs: other commands start without them.
      const { startApi } = await import('../api/index.js');
      const starting = startApi({
        databaseUrl: await databaseUrl(config, logger),
        databaseSchema: config.databaseSchema,
        schemaRegistryUrl: endpoints.schemaRegistryUrl,
        registryAuth: endpoints.registryAuth,
        kafkaBrokers: endpoints.kafkaBrokers,
        kafkaSecurity: endpoints.kafkaSecurity,
        topicPrefix: config.topicPrefix,
        logger,
        port: options.port ?? config.apiPort,
        allowedHosts: config.destinationAllowedHosts,
        allowedKafkaBrokers: config.destinationAllowedKafkaBrokers,
        maxDestinationsPerOrg: config.apiMaxDestinationsPerOrg,
        eventRetentionDays: config.eventRetentionDays,
        fileRoot: config.destinationFileRoot,
        secretBox: box,
        secretKeyMadeNow: madeNow,
        rateLimit: config.apiRateLimit,
        trustProxy: config.apiTrustProxy,
        streamLimits: {
          perKey: config.apiLimits.streamsPerKey,
          perOrganization: config.apiLimits.streamsPerOrganization,
          perClient: config.apiLimits.streamsPerClient,
        },
        timeouts: { headersMs: config.apiLimits.headersTimeoutMs, requestMs: config.apiLimits.requestTimeoutMs },
        publishEvent: (type, event) => publisher.publishUntyped(type, event),
        ingest: publisher,
      }).catch(async (error: unknown) => {
        await publisher.close();
        // A key that seals nothing of this deployment's is not kept: the next start refuses too.
        if (madeNow && (error as { secretKeyMismatch?: boolean }).secretKeyMismatch)
          fs.rmSync(secretKeyFile(config.dataDir), { force: true });
        throw error;
      });
      const api = await run.started(starting);
      await run.stopRequested;
      await api.stop();
      await publisher.close();
    });
}
