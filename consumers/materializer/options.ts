import type { Logger } from '../../adapters/logger.js';

export interface MaterializerOptions {
  readonly kafkaBrokers: readonly string[];
  readonly schemaRegistryUrl: string;
  readonly databaseUrl: string;
  /** The schema holding the store's tables (created and migrated at start). */
  readonly databaseSchema: string;
  readonly topicPrefix: string;
  readonly groupId: string;
  readonly logger: Logger;
  /** Port of `/healthz` and `/metrics`; 0 picks a free one. */
  readonly port: number;
  /** Most records written in one transaction. */
  readonly batchSize: number;
  /** How long a fetch waits for more records, in ms. */
  readonly lingerMs: number;
  /** Partitions written at once, each on its own connection. */
  readonly concurrency: number;
  /** Days of events the log keeps; 0 keeps all. */
  readonly retentionDays: number;
  /** Replay from here: `earliest`, or the first record at or after a time. */
  readonly resetTo?: 'earliest' | Date | undefined;
  /**
   * Aborting it during start-up (SIGTERM while PostgreSQL or Kafka does not answer yet) stops the
   * waiting: start rejects after closing what it opened. Once started, `stop()` is the way out.
   */
  readonly signal?: AbortSignal | undefined;
  /**
   * Its static member id in the group (group.instance.id), unique per process: restarted under
   * the same id, it gets its partitions back at once. Undefined: a dynamic member.
   */
  readonly groupInstanceId?: string | undefined;
  /** A member that sends no heartbeat for this long leaves the group, in ms. */
  readonly sessionTimeoutMs?: number;
  /** How often new entity topics are looked for, in ms. */
  readonly topicRefreshMs?: number;
  /** How often partitions are created ahead and retention applied, in ms. */
  readonly retentionIntervalMs?: number;
}

export const materializerDefaults = {
  sessionTimeoutMs: 10_000,
  topicRefreshMs: 30_000,
  retentionIntervalMs: 3_600_000,
} as const;
