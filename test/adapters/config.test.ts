import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  loadApiConfig,
  loadConfig,
  loadMaterializerConfig,
  loadPublisherConfig,
  loadStreamerConfig,
  settingGroups,
} from '../../adapters/config.js';
import { resolveEndpoints } from '../../adapters/endpoints.js';
import { ConfigError } from '../../adapters/errors.js';
import { createLogger } from '../../adapters/logger.js';
import { projectRoot } from '../../adapters/project-root.js';
import { settingDefault, type Setting } from '../../adapters/settings/setting.js';
import { configurationDocs, tableEnd, tableStart } from '../../adapters/settings/table.js';
import { createPublisher } from '../../producers/index.js';

describe('loadConfig', () => {
  it('gives the documented defaults for an empty environment', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      kafkaBrokers: undefined,
      schemaRegistryUrl: undefined,
      databaseUrl: undefined,
      topicPrefix: 'events',
      apiPort: 3000,
      logLevel: 'info',
      stack: { kafkaPort: 9092, kafkaControllerPort: 9093, registryPort: 8081, postgresPort: 5432, kafkaHeap: '512m' },
    });
    expect(Object.isFrozen(config.stack)).toBe(true);
  });

  it('parses endpoints given by the environment', () => {
    const config = loadConfig({
      KAFKA_BROKERS: 'a:9092, b:9093',
      SCHEMA_REGISTRY_URL: 'http://registry:8081/apis/ccompat/v7/',
      DATABASE_URL: 'postgres://u:p@db:5432/x',
    });
    expect(config.kafkaBrokers).toEqual(['a:9092', 'b:9093']);
    expect(config.schemaRegistryUrl).toBe('http://registry:8081/apis/ccompat/v7');
    expect(config.databaseUrl).toBe('postgres://u:p@db:5432/x');
  });

  it('reports every bad variable at once, each by name', () => {
    let thrown: unknown;
    try {
      loadConfig({ KAFKA_BROKERS: 'nohost', API_PORT: '70000', LOG_LEVEL: 'loud', DATABASE_URL: 'mysql://x' });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ConfigError);
    const message = (thrown as ConfigError).message;
    for (const variable of ['KAFKA_BROKERS', 'API_PORT', 'LOG_LEVEL', 'DATABASE_URL']) expect(message).toContain(variable);
    expect((thrown as ConfigError).code).toBe('EVP_CONFIG_INVALID');
  });

  it('gives the API rate limits their defaults, reads them, and takes 0 or an empty value as documented', () => {
    expect(loadConfig({}).apiRateLimit).toEqual({ perKey: 100, authFailuresPerIp: 10, windowMs: 1000 });
    expect(
      loadConfig({ API_RATE_LIMIT: '6000', API_RATE_LIMIT_AUTH_FAILURES: '0', API_RATE_LIMIT_WINDOW_MS: '60000' }).apiRateLimit,
    ).toEqual({ perKey: 6000, authFailuresPerIp: 0, windowMs: 60_000 });
    // An empty variable is unset, not 0: it must not turn the limit off.
    expect(loadConfig({ API_RATE_LIMIT: '', API_RATE_LIMIT_WINDOW_MS: ' ' }).apiRateLimit).toEqual({
      perKey: 100,
      authFailuresPerIp: 10,
      windowMs: 1000,
    });
  });

  it('reports bad API rate limits by name with what they must be', () => {
    let thrown: unknown;
    try {
      loadConfig({ API_RATE_LIMIT: 'many', API_RATE_LIMIT_AUTH_FAILURES: '-1', API_RATE_LIMIT_WINDOW_MS: '10' });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ConfigError);
    const message = (thrown as ConfigError).message;
    expect(message).toContain('API_RATE_LIMIT="many": must be a whole number, e.g. 100');
    expect(message).toContain('API_RATE_LIMIT_AUTH_FAILURES="-1": must be at least 0');
    expect(message).toContain('API_RATE_LIMIT_WINDOW_MS="10": must be at least 100');
    expect(() => loadConfig({ API_RATE_LIMIT: '2.5' })).toThrow(/API_RATE_LIMIT="2.5": must be a whole number/);
  });

  it('takes DESTINATION_SECRET_KEY as 32 bytes in base64 or hex, and never repeats a bad one in the error', () => {
    expect(loadConfig({}).destinationSecretKey).toBeUndefined();
    const key = 'q83vEjRWeJCrze8SNFZ4kKvN7xI0VniQq83vEjRWeJA=';
    expect(loadConfig({ DESTINATION_SECRET_KEY: key }).destinationSecretKey).toBe(key);
    let thrown: unknown;
    try {
      loadConfig({ DESTINATION_SECRET_KEY: 'hunter2-but-too-short' });
    } catch (error) {
      thrown = error;
    }
    const message = (thrown as ConfigError).message;
    expect(message).toContain('DESTINATION_SECRET_KEY=(hidden): must be 32 bytes in base64 or hex');
    expect(message).not.toContain('hunter2');
  });

  it('shows a bad connection string without its password, and an unparseable one without its user part', () => {
    let thrown: unknown;
    try {
      loadConfig({
        DATABASE_URL: 'mysql://admin:hunter2@db.internal:3306/app',
        SCHEMA_REGISTRY_URL: 'https://registry:s3cr3t-pass@registry.internal:99999/apis/ccompat/v7',
      });
    } catch (error) {
      thrown = error;
    }
    const message = (thrown as ConfigError).message;
    expect(message).toContain('DATABASE_URL="mysql://admin:***@db.internal:3306/app": must be a postgres:// URL');
    expect(message).toContain('SCHEMA_REGISTRY_URL="https://registry.internal:99999/apis/ccompat/v7": must be a URL');
    expect(message).not.toMatch(/hunter2|s3cr3t/);
    expect(JSON.stringify((thrown as ConfigError & { problems: unknown }).problems)).not.toMatch(/hunter2|s3cr3t/);

    // No scheme: the password cannot be told from the rest, so everything before the host goes.
    expect(() => loadConfig({ DATABASE_URL: 'admin:hunter2@db.internal/app' })).toThrow('DATABASE_URL="db.internal/app"');
    expect(() => loadConfig({ DATABASE_URL: 'host=db user=admin password=hunter2' })).toThrow(
      'DATABASE_URL="host=db user=admin password=***"',
    );
  });

  it('hides every value of a variable named as a secret, but not of a per-key limit', () => {
    expect(() => loadConfig({ DESTINATION_SECRET_KEY: 'postgres://a:b@c/d' })).toThrow('DESTINATION_SECRET_KEY=(hidden)');
    expect(() => loadConfig({ API_STREAMS_PER_KEY: 'lots' })).toThrow('API_STREAMS_PER_KEY="lots"');
  });

  it('reads API_TRUST_PROXY as true, false, hops or addresses and ranges, and refuses anything else by name', () => {
    expect(loadConfig({}).apiTrustProxy).toBe(false);
    expect(loadConfig({ API_TRUST_PROXY: 'true' }).apiTrustProxy).toBe(true);
    expect(loadConfig({ API_TRUST_PROXY: '2' }).apiTrustProxy).toBe(2);
    expect(loadConfig({ API_TRUST_PROXY: '10.0.0.0/8, 127.0.0.1,::1' }).apiTrustProxy).toEqual(['10.0.0.0/8', '127.0.0.1', '::1']);
    for (const bad of ['yes', '10.0.0.0/33', 'proxy.internal', '1.2.3.4/8/1']) {
      expect(() => loadConfig({ API_TRUST_PROXY: bad })).toThrow(
        /API_TRUST_PROXY=.*must be true, false, a number of hops, or addresses and CIDR ranges/,
      );
    }
  });

  it('reads an empty variable as an unset one, so none turns into 0', () => {
    const config = loadConfig({ EVENT_RETENTION_DAYS: '', STREAMER_MAX_CONCURRENCY: ' ', API_PORT: '', DELIVERY_RETENTION_DAYS: '' });
    expect(config.eventRetentionDays).toBe(loadConfig({}).eventRetentionDays);
    expect(config.eventRetentionDays).toBeGreaterThan(0);
    expect(config.streamer.maxConcurrency).toBe(25);
    expect(config.apiPort).toBe(3000);
    expect(config.streamer.deliveryRetentionDays).toBe(90);
  });

  it('reads the Kafka destination allowlist and the cap on destinations, with their defaults', () => {
    expect(loadConfig({})).toMatchObject({ destinationAllowedKafkaBrokers: [], apiMaxDestinationsPerOrg: 100 });
    const config = loadConfig({ DESTINATION_ALLOWED_KAFKA_BROKERS: 'Kafka-1.internal:9092, 10.0.0.5', API_MAX_DESTINATIONS_PER_ORG: '0' });
    expect(config.destinationAllowedKafkaBrokers).toEqual(['kafka-1.internal:9092', '10.0.0.5']);
    expect(config.apiMaxDestinationsPerOrg).toBe(0);
    expect(() => loadConfig({ DESTINATION_ALLOWED_KAFKA_BROKERS: 'kafka://x:9092' })).toThrow(
      /DESTINATION_ALLOWED_KAFKA_BROKERS=.*host:port or host/,
    );
    expect(() => loadConfig({ API_MAX_DESTINATIONS_PER_ORG: 'many' })).toThrow(/API_MAX_DESTINATIONS_PER_ORG/);
  });
});

/** The first line of a config error: the one problem of the variable it names. */
function problemOf(load: () => unknown): string {
  try {
    load();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).code).toBe('EVP_CONFIG_INVALID');
    return (error as ConfigError).message;
  }
  throw new Error('expected a ConfigError');
}

describe('configuration per process', () => {
  // Variables of other processes, set to values none of them accepts.
  const others = {
    DATABASE_URL: 'mysql://x',
    LOG_LEVEL: 'warning',
    API_PORT: 'http',
    MATERIALIZER_BATCH_SIZE: 'lots',
    STREAMER_TIMEOUT_MS: '1',
    DESTINATION_SECRET_KEY: 'short',
    EVP_KAFKA_PORT: 'nine',
  };

  it('publisher reads only the brokers, the registry and the topic prefix', async () => {
    const config = loadPublisherConfig({
      ...others,
      KAFKA_BROKERS: 'kafka-1:9092',
      SCHEMA_REGISTRY_URL: 'http://registry:8081/apis/ccompat/v7',
      TOPIC_PREFIX: 'billing',
    });
    expect(config).toMatchObject({ kafkaBrokers: ['kafka-1:9092'], schemaRegistryUrl: 'http://registry:8081/apis/ccompat/v7' });
    expect(config.topicPrefix).toBe('billing');
    expect(Object.isFrozen(config)).toBe(true);
    const publisher = createPublisher(config, { service: 'billing-api', logger: createLogger('silent') });
    await publisher.close();
  });

  it('publisher is created in a service whose environment holds another process settings', async () => {
    const env = { ...others, KAFKA_BROKERS: 'kafka-1:9092', SCHEMA_REGISTRY_URL: 'http://registry:8081/apis/ccompat/v7' };
    expect(() => loadConfig(env)).toThrow(ConfigError);
    const publisher = createPublisher(loadPublisherConfig(env), { service: 'orders', logger: createLogger('silent') });
    await publisher.close();
  });

  it('publisher refuses its own bad settings with the message every process gives', () => {
    const env = { KAFKA_BROKERS: 'nohost', TOPIC_PREFIX: 'no spaces', SCHEMA_REGISTRY_URL: 'registry' };
    const message = problemOf(() => loadPublisherConfig(env));
    for (const line of [
      'KAFKA_BROKERS="nohost": each broker must be host:port',
      'TOPIC_PREFIX="no spaces": must be letters',
      'SCHEMA_REGISTRY_URL="registry": must be a URL',
    ]) {
      expect(message).toContain(line);
    }
    const everything = problemOf(() => loadConfig(env));
    for (const problem of message.split('\n').slice(1)) expect(everything).toContain(problem);
  });

  it('publisher falls back to the local stack, whose settings it reads only then', () => {
    const local = loadPublisherConfig({ EVP_KAFKA_NODES: '3', EVP_REGISTRY_PORT: '18081', DATABASE_URL: 'mysql://x' });
    expect(resolveEndpoints(local)).toEqual({
      kafkaBrokers: ['127.0.0.1:9092', '127.0.0.1:9094', '127.0.0.1:9096'],
      kafkaSecurity: { protocol: 'PLAINTEXT', tls: undefined, sasl: undefined },
      schemaRegistryUrl: 'http://127.0.0.1:18081/apis/ccompat/v7',
      registryAuth: {},
    });
    const badStack = loadPublisherConfig({ EVP_KAFKA_PORT: 'nine' });
    expect(problemOf(() => resolveEndpoints(badStack))).toContain('EVP_KAFKA_PORT="nine": must be a port number, e.g. 9092');
    const given = loadPublisherConfig({
      EVP_KAFKA_PORT: 'nine',
      KAFKA_BROKERS: 'kafka-1:9092',
      SCHEMA_REGISTRY_URL: 'http://registry:8081',
    });
    expect(resolveEndpoints(given)).toMatchObject({ kafkaBrokers: ['kafka-1:9092'], schemaRegistryUrl: 'http://registry:8081' });
  });

  it('materializer validates Kafka, the registry, the database, its own settings and logging, and nothing else', () => {
    const config = loadMaterializerConfig({
      API_PORT: 'http',
      STREAMER_TIMEOUT_MS: '1',
      DESTINATION_SECRET_KEY: 'short',
      TOPIC_PREFIX: 'acme',
    });
    expect(config.materializer).toEqual({ groupId: 'acme.materializer', port: 3001, batchSize: 2000, lingerMs: 100, concurrency: 3 });
    expect(config).toMatchObject({ consumerSessionTimeoutMs: 10_000, eventRetentionDays: 90, logLevel: 'info' });
    const env = { MATERIALIZER_BATCH_SIZE: 'lots', DATABASE_URL: 'mysql://x', LOG_LEVEL: 'warning', CONSUMER_SESSION_TIMEOUT_MS: '5' };
    const message = problemOf(() => loadMaterializerConfig(env));
    for (const variable of Object.keys(env)) expect(message).toContain(`${variable}=`);
    expect(message).toBe(problemOf(() => loadConfig(env)));
  });

  it('streamer validates its own settings and the destination rules, not the API nor the materializer', () => {
    const config = loadStreamerConfig({ API_PORT: 'http', MATERIALIZER_BATCH_SIZE: 'lots', STREAMER_TIMEOUT_MS: '5000' });
    expect(config.streamer.timeoutMs).toBe(5000);
    expect(config.destinationAllowedHosts).toEqual([]);
    const env = { STREAMER_TIMEOUT_MS: '1', DESTINATION_SECRET_KEY: 'short' };
    expect(problemOf(() => loadStreamerConfig(env))).toBe(problemOf(() => loadConfig(env)));
  });

  it('api validates its own settings and the destination rules, not the consumers', () => {
    const config = loadApiConfig({
      MATERIALIZER_BATCH_SIZE: 'lots',
      STREAMER_TIMEOUT_MS: '1',
      CONSUMER_SESSION_TIMEOUT_MS: '5',
      API_PORT: '4000',
    });
    expect(config.apiPort).toBe(4000);
    const env = { API_PORT: '70000', API_TRUST_PROXY: 'yes', DESTINATION_FILE_ROOT: 'relative' };
    expect(problemOf(() => loadApiConfig(env))).toBe(problemOf(() => loadConfig(env)));
  });

  it('services read the local stack settings only when they fall back to it', () => {
    const given = {
      KAFKA_BROKERS: 'kafka-1:9092',
      SCHEMA_REGISTRY_URL: 'http://registry:8081',
      DATABASE_URL: 'postgres://db/x',
      EVP_KAFKA_NODES: '2',
    };
    for (const load of [loadMaterializerConfig, loadStreamerConfig, loadApiConfig]) {
      const config = load(given);
      expect(resolveEndpoints(config).kafkaBrokers).toEqual(['kafka-1:9092']);
      expect(problemOf(() => config.stack)).toContain('EVP_KAFKA_NODES="2": must be 1');
    }
    expect(loadApiConfig({ EVP_DATA_DIR: '/srv/evp' }).stack.dataDir).toBe('/srv/evp');
  });

  it('every process reads a subset of the settings, with the same values as the whole configuration', () => {
    const env = { TOPIC_PREFIX: 'acme', DESTINATION_ALLOWED_HOSTS: 'Hooks.internal', EVP_DATA_DIR: '/srv/evp' };
    const whole = loadConfig(env);
    for (const config of [loadPublisherConfig(env), loadMaterializerConfig(env), loadStreamerConfig(env), loadApiConfig(env)]) {
      expect(whole).toMatchObject(config);
    }
  });
});

describe('setting declarations', () => {
  it('declare each variable in one group only', () => {
    const seen = new Map<string, string>();
    for (const group of settingGroups) {
      for (const name of Object.keys(group.settings)) {
        expect(seen.get(name), `${name} is declared in ${seen.get(name)} and ${group.name}`).toBeUndefined();
        seen.set(name, group.name);
      }
    }
  });

  it('give every setting a one-line doc and a default the table can show', () => {
    for (const group of settingGroups) {
      for (const [name, setting] of Object.entries<Setting>(group.settings)) {
        expect(setting.doc, name).toMatch(/^[^\n]{10,200}$/);
        expect(settingDefault(setting) !== undefined || setting.shownDefault !== undefined, `${name} shows no default`).toBe(true);
      }
    }
  });

  it('configuration table of the docs lists every setting and nothing else', () => {
    const docs = configurationDocs(projectRoot());
    const declared = new Set(settingGroups.flatMap((group) => Object.keys(group.settings)));
    for (const [file, generated] of docs) {
      const committed = fs.readFileSync(file, 'utf8');
      const table = committed.slice(committed.indexOf(tableStart), committed.indexOf(tableEnd));
      const listed = new Set([...table.matchAll(/^\| `([A-Z_]+)`/gm)].map((match) => match[1]));
      expect(
        [...declared].filter((name) => !listed.has(name)),
        `settings missing from the table of ${file}`,
      ).toEqual([]);
      expect(
        [...listed].filter((name) => name !== undefined && !declared.has(name)),
        `${file} lists variables no setting declares`,
      ).toEqual([]);
      expect(committed, `${file} is stale: run npm run codegen`).toBe(generated);
    }
  });
});
