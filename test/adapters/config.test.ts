import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../adapters/config.js';
import { ConfigError } from '../../adapters/errors.js';

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
});
