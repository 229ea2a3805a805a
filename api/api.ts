import { purgeIngestKeys } from '../store/ingest-requests.js';
import type { AddressInfo } from 'node:net';
import { createPool, inTransaction } from '../adapters/database.js';
import { migratePool } from '../adapters/migrate.js';
import { createRegistryClient } from '../adapters/registry.js';
import { readCatalogue, type CatalogueEntry } from '../schemas/catalogue.js';
import { readEventSchemas } from '../schemas/event-schemas.js';
import { eventFieldsOf, type EventFields } from '../core/event-fields.js';
import { buildApi } from './app.js';
import { createAuthenticator } from './auth.js';
import { createHighWatermarks } from './high-watermarks.js';
import type { ApiContext, ApiInstance } from './context.js';
import { createApiMetrics } from './metrics.js';
import { apiDefaults, type ApiOptions } from './options.js';
import type { Database } from '../store/query.js';
import { sealStoredSecrets, sealedKeyIds } from '../store/seal-secrets.js';
import { ConfigError } from '../adapters/errors.js';
import { listenForEventNotices } from '../store/event-notices.js';
import { createFeeds } from './stream/org-feed.js';
import { createStreamSlots } from './stream/stream-slots.js';

export interface Api {
  readonly port: number;
  readonly app: ApiInstance;
  /** Stops accepting requests, ends live tails, waits for events being published, and closes the database pool and the Kafka admin. */
  stop(): Promise<void>;
}

/** Builds the API over a pool, a registry client and (given brokers) a lazily connected Kafka admin, without listening. */
export async function createApi(options: ApiOptions): Promise<{ app: ApiInstance; close: () => Promise<void> }> {
  const { logger } = options;
  const pool = createPool({
    url: options.databaseUrl,
    schema: options.databaseSchema,
    max: options.poolSize ?? apiDefaults.poolSize,
    applicationName: 'evp-api',
    logger,
  });
  const stream = { ...apiDefaults.stream, ...options.stream };
  const feeds = createFeeds({ query: pool, logger, pollMs: stream.pollMs });
  // The materializer's commits wake the live tails at once; polling stays as the safety net.
  const notices = listenForEventNotices({
    url: options.databaseUrl,
    schema: options.databaseSchema,
    logger,
    onNotice: (organizationIds) => feeds.wake(organizationIds),
  });
  const entries = readCatalogue();
  const highWatermarks =
    options.kafkaBrokers === undefined || options.kafkaBrokers.length === 0
      ? undefined
      : createHighWatermarks({ brokers: options.kafkaBrokers, security: options.kafkaSecurity, logger });
  const announcing = new Set<Promise<unknown>>();
  const context: ApiContext = {
    query: pool,
    async transaction(work) {
      const client = await pool.connect();
      try {
        return await inTransaction(client, () => work(client));
      } finally {
        client.release();
      }
    },
    catalogue: {
      entries,
      types: Object.keys(entries),
      entities: new Set(Object.values(entries).map((entry) => entry.entity)),
      fields: fieldsOfTypes(entries),
    },
    // A request waits for the registry: a few quick retries, then a 503 (the event types go without versions).
    registry: createRegistryClient({
      url: options.schemaRegistryUrl,
      auth: options.registryAuth,
      retry: { retries: 2, initialDelayMs: 100, maxDelayMs: 500 },
      requestTimeoutMs: 5_000,
    }),
    highWatermarks,
    topicPrefix: options.topicPrefix,
    auth: createAuthenticator({ query: pool, cacheMs: options.keyCacheMs ?? apiDefaults.keyCacheMs }),
    feeds,
    metrics: createApiMetrics(() => feeds.size),
    stream,
    streamSlots: createStreamSlots({ ...apiDefaults.streamLimits, ...options.streamLimits }),
    allowedHosts: new Set((options.allowedHosts ?? []).map((host) => host.toLowerCase())),
    kafkaBrokerPolicy: {
      ownBrokers: options.kafkaBrokers ?? [],
      allowedBrokers: (options.allowedKafkaBrokers ?? []).map((broker) => broker.toLowerCase()),
      topicPrefix: options.topicPrefix,
    },
    maxDestinationsPerOrg: options.maxDestinationsPerOrg ?? apiDefaults.maxDestinationsPerOrg,
    eventRetentionDays: options.eventRetentionDays ?? apiDefaults.eventRetentionDays,
    fileRoot: options.fileRoot,
    secretBox: options.secretBox,
    ingest: options.ingest,
    announce(type, event) {
      if (!options.publishEvent) return;
      const published = options.publishEvent(type, event).catch((error: unknown) => {
        logger.error({ err: error, type, entityId: event.data['id'] }, `publishing ${type} failed; the change itself stands`);
      });
      announcing.add(published);
      void published.finally(() => announcing.delete(published));
    },
  };
  // Idempotency keys are kept 24 hours; older ones go every 10 minutes.
  const purge = setInterval(() => {
    purgeIngestKeys(pool).catch((error: unknown) => logger.warn({ err: error }, 'purging old idempotency keys failed; trying again later'));
  }, 600_000).unref();
  const app = await buildApi({
    context,
    logger,
    checkDatabase: async () => void (await pool.query('select 1')),
    consoleDir: options.consoleDir,
    rateLimit: options.rateLimit,
    trustProxy: options.trustProxy,
    timeouts: options.timeouts ?? apiDefaults.timeouts,
  });
  return {
    app,
    close: async () => {
      clearInterval(purge);
      feeds.close();
      await notices.close();
      await app.close();
      await Promise.all(announcing);
      await highWatermarks?.close();
      await pool.end();
    },
  };
}

/**
 * Starts `evp api`: applies pending migrations (so keys can be created before any event is
 * stored), then listens.
 */
export async function startApi(options: ApiOptions): Promise<Api> {
  const { logger } = options;
  const migrator = createPool({ url: options.databaseUrl, schema: options.databaseSchema, max: 1, applicationName: 'evp-api', logger });
  try {
    await migratePool(migrator, options.databaseSchema, logger);
    await checkSecretKey(migrator, options, logger);
    const sealed = await sealStoredSecrets(migrator, options.secretBox);
    if (sealed > 0) logger.info({ destinations: sealed, keyId: options.secretBox.keyId }, 'webhook secrets stored in plain text sealed');
  } finally {
    await migrator.end();
  }
  const { app, close } = await createApi(options);
  try {
    await app.listen({ port: options.port, host: options.host ?? apiDefaults.host });
  } catch (error) {
    await close();
    throw error;
  }
  const port = (app.server.address() as AddressInfo).port;
  logger.info({ port, docs: `http://127.0.0.1:${port}/docs` }, 'events API listening');
  return {
    port,
    app,
    async stop() {
      // Live tails never end on their own: close them so the server can.
      app.server.closeAllConnections();
      await close();
      logger.info('events API stopped');
    },
  };
}

/**
 * Secrets sealed under another key cannot be opened here. With a key made just now and none of
 * the stored secrets under it, the key the deployment uses is missing: refuse, rather than seal
 * new secrets under a key no streamer has. Otherwise say which destinations cannot be read.
 */
async function checkSecretKey(db: Database, options: ApiOptions, logger: ApiOptions['logger']): Promise<void> {
  const keys = await sealedKeyIds(db);
  const ours = options.secretBox.keyId;
  const others = [...keys].filter(([id]) => id !== ours);
  if (others.length === 0) return;
  const described = others.map(([id, n]) => `${n} under key ${id}`).join(', ');
  if (options.secretKeyMadeNow && !keys.has(ours)) {
    throw new ConfigError(
      `The stored webhook secrets are sealed with another key (${described}) and this API has just made key ${ours}: set DESTINATION_SECRET_KEY to the deployment's key (or restore its key file). If that key is lost, run \`evp secret-key ensure\` to keep a new one, start again, and rotate each destination's secret.`,
      { secretKeyMismatch: true },
    );
  }
  logger.error(
    { keyId: ours, others: Object.fromEntries(others) },
    `webhook secrets sealed with other keys (${described}) cannot be read by this API until they are rotated`,
  );
}

/** Each catalogue type's event fields, read from the generated event schemas once. */
function fieldsOfTypes(entries: Readonly<Record<string, CatalogueEntry>>): (type: string) => EventFields | undefined {
  const byEntity = new Map([...readEventSchemas()].map(([entity, schema]) => [entity, eventFieldsOf(schema)]));
  return (type) => {
    const entity = entries[type]?.entity;
    return entity === undefined ? undefined : byEntity.get(entity);
  };
}
