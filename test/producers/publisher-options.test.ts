import { describe, expect, it } from 'vitest';
import { loadPublisherConfig } from '../../adapters/config.js';
import { ConfigError } from '../../adapters/errors.js';
import { createLogger } from '../../adapters/logger.js';
import { createPublisher } from '../../producers/publisher.js';

const config = loadPublisherConfig({ KAFKA_BROKERS: 'kafka-1:9092', SCHEMA_REGISTRY_URL: 'http://registry:8081/apis/ccompat/v7' });
const logger = createLogger('silent');

function refusal(options: Record<string, unknown>): ConfigError {
  try {
    createPublisher(config, { service: 'orders', logger, ...options });
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error('the publisher was created');
}

describe('publisher options', () => {
  it('refuses a client, an in-flight count or a compression it cannot use, naming the option, before connecting', () => {
    expect(refusal({ client: 'rdkafka' }).message).toMatch(/client "rdkafka" is not a producer client: use platformatic or kafkajs/);
    for (const inFlight of [0, 6, 2.5, '3'])
      expect(refusal({ maxInFlightRequests: inFlight }).message).toMatch(/maxInFlightRequests .* must be a whole number from 1 to 5/);
    expect(refusal({ compression: 'zstd' }).message).toMatch(/compression "zstd" has no codec the consumers can read/);
    expect(refusal({ compression: 'brotli' }).message).toMatch(/compression "brotli"/);
  });

  it('takes each client with 1 to 5 requests in flight', async () => {
    for (const client of ['platformatic', 'kafkajs'] as const)
      for (const maxInFlightRequests of [1, 5])
        await createPublisher(config, { service: 'orders', logger, client, maxInFlightRequests }).close();
  });
});
