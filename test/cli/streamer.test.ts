import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../adapters/config.js';
import { resolveEndpoints } from '../../adapters/endpoints.js';
import { streamerOptionsFrom } from '../../cli/streamer.js';

describe('evp streamer options', () => {
  it('streamer options carry every destination rule the API enforces, from the same variables', () => {
    const config = loadConfig({
      KAFKA_BROKERS: 'kafka-1:9092',
      DESTINATION_ALLOWED_HOSTS: 'hooks.internal',
      DESTINATION_ALLOWED_KAFKA_BROKERS: '10.0.0.5:9092,kafka.internal',
      DESTINATION_FILE_ROOT: '/srv/evp/files',
      STREAMER_MAX_CONCURRENCY: '7',
      STREAMER_DISABLE_AFTER_HOURS: '2',
      STREAMER_ALERT_AFTER_FAILURES: '3',
      STREAMER_ALERT_AFTER_MS: '60000',
    });
    const options = streamerOptionsFrom(config, resolveEndpoints(config));
    expect(options).toMatchObject({
      kafkaBrokers: ['kafka-1:9092'],
      allowedHosts: ['hooks.internal'],
      allowedKafkaBrokers: ['10.0.0.5:9092', 'kafka.internal'],
      fileRoot: '/srv/evp/files',
      maxConcurrency: 7,
      disableAfterMs: 2 * 3_600_000,
      alertAfterFailures: 3,
      alertAfterMs: 60_000,
    });
  });
});
