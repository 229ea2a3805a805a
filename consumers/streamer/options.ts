import type { Logger } from '../../adapters/logger.js';
import type { EventInput } from '../../core/build-event.js';
import type { SecretBox } from '../../core/secret-box.js';

export interface StreamerOptions {
  readonly kafkaBrokers: readonly string[];
  readonly schemaRegistryUrl: string;
  readonly databaseUrl: string;
  /** The schema holding the pipeline's tables (migrated at start). */
  readonly databaseSchema: string;
  readonly topicPrefix: string;
  readonly groupId: string;
  readonly logger: Logger;
  /** Port of `/healthz` and `/metrics`; 0 picks a free one. */
  readonly port: number;
  /** Opens the webhook signing secrets sealed at rest (the API's key: `DESTINATION_SECRET_KEY`). */
  readonly secretBox: SecretBox;
  /** Hosts webhooks may reach over http or at internal addresses (checked again at connect time). */
  readonly allowedHosts: readonly string[];
  /** Kafka destinations' brokers allowed at internal addresses or on the pipeline's own cluster, `host:port` or `host` (checked again at every connection). */
  readonly allowedKafkaBrokers?: readonly string[] | undefined;
  /** Each organization's file destinations write below its own directory here (checked again before every write); without one they are refused. */
  readonly fileRoot?: string | undefined;
  /** Delays before each attempt, in ms, for destinations without their own schedule. */
  readonly retryScheduleMs: readonly number[];
  /** Attempts in flight per destination, for destinations without their own limit. */
  readonly maxConcurrency: number;
  /** How long an attempt may take, in ms, for webhooks without their own timeout (and every Kafka send). */
  readonly timeoutMs: number;
  /** A destination failing without a break for this long is disabled, in ms. */
  readonly disableAfterMs: number;
  /** Deliveries and their attempts are deleted this many days after they were recorded. */
  readonly retentionDays: number;
  /** Emits an event of the pipeline itself (`destination.disabled`); without it the streamer only logs. */
  readonly publishEvent?: ((type: string, event: EventInput) => Promise<unknown>) | undefined;
  /**
   * Aborting it during start-up (SIGTERM while PostgreSQL or Kafka does not answer yet) stops the
   * waiting: start rejects after closing what it opened. Once started, `stop()` is the way out.
   */
  readonly signal?: AbortSignal | undefined;
  /** How often due deliveries are looked for when no fan-out wakes the workers, in ms. */
  readonly pollMs?: number;
  /** How often the workers read the destinations again, in ms. */
  readonly destinationRefreshMs?: number;
  /** Most records fanned out in one transaction. */
  readonly batchSize?: number;
  /** How long a fetch waits for more records, in ms. */
  readonly lingerMs?: number;
  /** Partitions fanned out at once. */
  readonly concurrency?: number;
  /**
   * Its static member id in the group (group.instance.id), unique per process: restarted under
   * the same id, it gets its partitions back at once. Undefined: a dynamic member.
   */
  readonly groupInstanceId?: string | undefined;
  readonly sessionTimeoutMs?: number;
  readonly topicRefreshMs?: number;
  /** How often retention runs, in ms. */
  readonly retentionIntervalMs?: number;
  /** Events per attempt to a Kafka topic or a file. */
  readonly groupSize?: number;
}

export const streamerDefaults = {
  pollMs: 200,
  destinationRefreshMs: 1_000,
  batchSize: 1_000,
  lingerMs: 20,
  concurrency: 3,
  sessionTimeoutMs: 10_000,
  topicRefreshMs: 30_000,
  retentionIntervalMs: 3_600_000,
  groupSize: 100,
} as const;
