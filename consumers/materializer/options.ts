import type { ConsumerOptions } from '../consumer-service.js';
import { consumerSettings } from '../../adapters/settings/kafka.js';
import { settingDefault } from '../../adapters/settings/setting.js';

export interface MaterializerOptions extends ConsumerOptions {
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
  /** How often partitions are created ahead and retention applied, in ms. */
  readonly retentionIntervalMs?: number;
}

export const materializerDefaults = {
  sessionTimeoutMs: settingDefault(consumerSettings.settings.CONSUMER_SESSION_TIMEOUT_MS),
  topicRefreshMs: 30_000,
  retentionIntervalMs: 3_600_000,
} as const;
