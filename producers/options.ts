import type { Kafka } from '../adapters/kafka/kafkajs.js';
import type { Compression, ProducerClient } from '../adapters/kafka/producer.js';
import type { Logger } from '../adapters/logger.js';
import type { RegistryClient } from '../adapters/registry.js';

/** How a publisher connects, batches and bounds its memory. Every field but `service` has a default. */
export interface PublisherOptions {
  /** The publishing service's name: `ce_source` is `/orgs/<org>/<service>`. */
  readonly service: string;
  /** Registers a schema the registry lacks instead of failing. Off in production: run `evp schemas register`. @defaultValue false */
  readonly autoRegister?: boolean;
  /** `gzip` or `none`; `snappy`, `lz4` and `zstd` once their codec is in kafkajs's `CompressionCodecs`, which the consumers read with. @defaultValue `gzip` */
  readonly compression?: Compression;
  /**
   * The client that produces: `platformatic` (@platformatic/kafka, the faster) or `kafkajs`.
   * @defaultValue `platformatic`
   */
  readonly client?: ProducerClient;
  /**
   * Produce requests in flight at once, 1 to 5. Each is its own idempotent producer holding a
   * share of the partitions, so each partition's events stay in order. @defaultValue 5
   */
  readonly maxInFlightRequests?: number;
  /** How long a publish waits for more events to share its request, in ms. @defaultValue 5 */
  readonly lingerMs?: number;
  /** Most events in one produce request. @defaultValue 1000 */
  readonly batchMaxEvents?: number;
  /** Most encoded bytes in one produce request. @defaultValue 1 MiB */
  readonly batchMaxBytes?: number;
  /** Encoded bytes held waiting for or in delivery; a publish past it waits for room. @defaultValue 32 MiB */
  readonly bufferMaxBytes?: number;
  /** How long a publish waits for room in the buffer before it rejects with EVP_PUBLISH_BUFFER_FULL, in ms. @defaultValue 30000 */
  readonly bufferTimeoutMs?: number;
  /** The retry budget of a produce request; past it every event of the request rejects. @defaultValue 10 retries, 300 ms to 5 s apart */
  readonly retry?: { readonly retries: number; readonly initialRetryTime: number; readonly maxRetryTime: number };
  /** How long the broker may take to acknowledge a request, in ms. @defaultValue 30000 */
  readonly ackTimeoutMs?: number;
  readonly logger?: Logger;
  /** A kafkajs client to use for admin calls (and kafkajs producers) instead of building one from the config (tests, sharing one client). */
  readonly kafka?: Kafka;
  readonly registry?: RegistryClient;
}

export const publisherDefaults = {
  autoRegister: false,
  compression: 'gzip',
  client: 'platformatic',
  maxInFlightRequests: 5,
  lingerMs: 5,
  batchMaxEvents: 1000,
  batchMaxBytes: 1024 * 1024,
  bufferMaxBytes: 32 * 1024 * 1024,
  bufferTimeoutMs: 30_000,
  retry: { retries: 10, initialRetryTime: 300, maxRetryTime: 5_000 },
  ackTimeoutMs: 30_000,
} as const;
