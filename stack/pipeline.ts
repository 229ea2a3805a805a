import fs from 'node:fs/promises';
import path from 'node:path';
import type { Config } from '../adapters/config.js';
import { createPool } from '../adapters/database.js';
import { resolveEndpoints } from '../adapters/endpoints.js';
import { createKafka } from '../adapters/kafka/index.js';
import type { Logger } from '../adapters/logger.js';
import { migratePool } from '../adapters/migrate.js';
import { createRegistryClient } from '../adapters/registry.js';
import { createApiKeyRow } from '../store/api-keys.js';
import { findApiKey } from '../store/find-api-key.js';
import type { Database } from '../store/query.js';
import { createApiKey, hashApiKey, isApiKeyShaped } from '../core/api-keys.js';
import { defaultTopicSettings, ensureTopics } from '../producers/ensure-topics.js';
import { readEventSchemas } from '../schemas/event-schemas.js';
import { registerSchemas } from '../schemas/governance.js';
import type { RegistryStorage } from './registry.js';
import { stackUp, type StackUp } from './stack.js';

/** The organization `evp start` makes a key for, and the demo publishes as first. */
export const demoOrganization = 'org_acme';

export interface PreparedPipeline {
  readonly stack: StackUp;
  readonly databaseUrl: string;
  /** A live key of the demo organization, made on the first start and kept in the data dir. */
  readonly demoKey: string;
}

/**
 * Everything the services expect before they start: the stack up, the tables migrated, every
 * entity topic and the dead-letter topic created, every schema registered, and a key for the
 * demo organization. Each step is idempotent, so a second `evp start` changes nothing.
 */
export async function preparePipeline(config: Config, logger: Logger, registryStorage: RegistryStorage): Promise<PreparedPipeline> {
  const stack = await stackUp(config, logger, { registryStorage });
  const endpoints = resolveEndpoints(config);
  const databaseUrl = stack.endpoints.databaseUrl;
  const pool = createPool({ url: databaseUrl, schema: config.databaseSchema, max: 2, applicationName: 'evp-start', logger });
  try {
    await migratePool(pool, config.databaseSchema, logger);
    const admin = createKafka({
      brokers: endpoints.kafkaBrokers,
      security: endpoints.kafkaSecurity,
      clientId: 'evp-start',
      logger,
    }).admin();
    await admin.connect();
    try {
      const topics = await ensureTopics(admin, config.topicPrefix, readEventSchemas().keys(), defaultTopicSettings);
      logger.info({ created: topics.filter((topic) => topic.status === 'created').length, topics: topics.length }, 'topics ready');
    } finally {
      await admin.disconnect();
    }
    const registered = await registerSchemas({
      registry: createRegistryClient({ url: endpoints.schemaRegistryUrl, auth: endpoints.registryAuth }),
      topicPrefix: config.topicPrefix,
      schemas: readEventSchemas(),
    });
    logger.info({ subjects: registered.outcomes.length }, 'schemas registered');
    const demoKey = await ensureDemoKey(pool, path.join(config.stack.dataDir, `demo-api-key.${config.databaseSchema}`), logger);
    return { stack, databaseUrl, demoKey };
  } finally {
    await pool.end();
  }
}

/**
 * The demo organization's key: the one kept in `file` while the database still knows it (not
 * revoked), else a new one, written to the file (mode 0600) so the next start prints the same.
 */
async function ensureDemoKey(db: Database, file: string, logger: Logger): Promise<string> {
  const kept = (await fs.readFile(file, 'utf8').catch(() => '')).trim();
  if (isApiKeyShaped(kept) && (await findApiKey(db, hashApiKey(kept))) !== undefined) return kept;
  const key = createApiKey();
  await createApiKeyRow(db, key, demoOrganization, 'evp start demo key', ['admin']);
  await fs.mkdir(path.dirname(file), { recursive: true });
  await fs.writeFile(file, `${key.key}\n`, { mode: 0o600 });
  logger.info({ organization: demoOrganization, keyId: key.id }, 'demo API key created');
  return key.key;
}
