import { z } from 'zod';
import { commaList, optionalText, settingGroup, wholeNumber } from './setting.js';

/** Where the pipeline's Kafka is and how its topics are named: what every process that publishes or consumes reads. */
export const kafkaSettings = settingGroup({
  name: 'kafka',
  settings: {
    KAFKA_BROKERS: {
      schema: optionalText.pipe(
        commaList(false)
          .pipe(z.array(z.string().regex(/^[^\s:]+:\d+$/, 'each broker must be host:port, e.g. 127.0.0.1:9092')).min(1))
          .optional(),
      ),
      doc: 'comma-separated `host:port` bootstrap brokers',
      shownDefault: "the local stack's `127.0.0.1:9092`",
    },
    TOPIC_PREFIX: {
      schema: z
        .string()
        .regex(/^[a-zA-Z0-9_-]+(\.[a-zA-Z0-9_-]+)*$/, 'must be letters, digits, _ - and dots, e.g. events')
        .default('events'),
      doc: 'topics are `<prefix>.<entity>`',
    },
  },
  build: (e) => ({
    /** Kafka bootstrap brokers; undefined: the local stack's. */
    kafkaBrokers: e.KAFKA_BROKERS,
    topicPrefix: e.TOPIC_PREFIX,
  }),
});

export const registrySettings = settingGroup({
  name: 'registry',
  settings: {
    SCHEMA_REGISTRY_URL: {
      schema: optionalText.pipe(z.url({ error: 'must be a URL, e.g. http://127.0.0.1:8081/apis/ccompat/v7' }).optional()),
      doc: 'Confluent-API schema registry base URL',
      shownDefault: "the local stack's `http://127.0.0.1:8081/apis/ccompat/v7`",
    },
  },
  build: (e) => ({
    /** The registry's base URL without a trailing slash; undefined: the local stack's. */
    schemaRegistryUrl: e.SCHEMA_REGISTRY_URL?.replace(/\/+$/, ''),
  }),
});

/** What the materializer and the streamer share as members of a consumer group. */
export const consumerSettings = settingGroup({
  name: 'consumer',
  settings: {
    CONSUMER_SESSION_TIMEOUT_MS: {
      schema: wholeNumber(10_000, 6_000, 1_800_000),
      doc: 'a materializer or streamer silent this long, in ms, loses its partitions (a static member restarted sooner keeps them)',
    },
  },
  build: (e) => ({ consumerSessionTimeoutMs: e.CONSUMER_SESSION_TIMEOUT_MS }),
});
