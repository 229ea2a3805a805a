import { randomBytes } from 'node:crypto';
import type { Admin } from 'kafkajs';
import type { Logger } from '../adapters/logger.js';
import { createSecretBox } from '../core/secret-box.js';

/** The key a scenario's API and streamer share for webhook secrets at rest (a new one per run). */
export const benchSecretBox = createSecretBox(randomBytes(32));

/** What every scenario over its own topics and PostgreSQL schema is given by bench/run.ts. */
export interface ScenarioStack {
  /** Distinct entity ids (Kafka keys) per entity. */
  readonly keys: number;
  readonly partitions: number;
  /** The Avro value size the events are padded to. */
  readonly targetValueBytes: number;
  /** Every topic (and registry subject) the scenario creates starts with `<topicPrefix>.`. */
  readonly topicPrefix: string;
  /** The environment the SDK's config is loaded from (endpoints of the stack). */
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly brokers: readonly string[];
  readonly schemaRegistryUrl: string;
  readonly databaseUrl: string;
  readonly admin: Admin;
  readonly logger: Logger;
}

/** The materializer's settings (`MATERIALIZER_*`, `EVENT_RETENTION_DAYS`). */
export interface MaterializerSettings {
  readonly batchSize: number;
  readonly lingerMs: number;
  readonly concurrency: number;
  readonly retentionDays: number;
}

/** The streamer's settings (`STREAMER_*`, `DELIVERY_RETENTION_DAYS`). */
export interface StreamerSettings {
  readonly retryScheduleMs: readonly number[];
  readonly maxConcurrency: number;
  readonly timeoutMs: number;
  readonly disableAfterMs: number;
  readonly retentionDays: number;
}
