import type { ConsumerOptions } from '../consumer-service.js';
import { consumerSettings } from '../../adapters/settings/kafka.js';
import { settingDefault } from '../../adapters/settings/setting.js';
import { streamerSettings } from '../../adapters/settings/streamer.js';
import type { EventInput } from '../../core/build-event.js';
import type { SecretBox } from '../../core/secret-box.js';

export interface StreamerOptions extends ConsumerOptions {
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
  /** Attempts in flight in this process, all destinations together. @defaultValue 1,000 */
  readonly maxInFlight?: number;
  /** How long an attempt may take, in ms, for webhooks without their own timeout (and every Kafka send). */
  readonly timeoutMs: number;
  /** A destination failing without a break for this long is disabled, in ms. */
  readonly disableAfterMs: number;
  /** Failed attempts in a row that raise `destination.failing`, for destinations without their own. @defaultValue 5 */
  readonly alertAfterFailures?: number;
  /** A failure run this long (ms) raises `destination.failing` (checked at each failed attempt and by the alert sweep), for destinations without their own. @defaultValue 900,000 */
  readonly alertAfterMs?: number;
  /**
   * Deliveries and their attempts are deleted this many days after they were recorded; an event's
   * stored payload once no delivery refers to it and no fan-out has used it for as long.
   */
  readonly retentionDays: number;
  /**
   * Emits an event of the pipeline itself (`destination.disabled`, `destination.failing`,
   * `destination.recovered`); without it the streamer only logs, and alerts wait in their outbox.
   */
  readonly publishEvent?: ((type: string, event: EventInput) => Promise<unknown>) | undefined;
  /** How often due deliveries are looked for when no fan-out wakes the workers, in ms. */
  readonly pollMs?: number;
  /** How often the workers read the destinations again, in ms. */
  readonly destinationRefreshMs?: number;
  /** Most records fanned out in one transaction. */
  readonly batchSize?: number;
  /** How long a fetch at the head of the log waits for a record, in ms (it returns as soon as there is one). */
  readonly lingerMs?: number;
  /** Partitions fanned out at once. */
  readonly concurrency?: number;
  /** How often retention runs, in ms. */
  readonly retentionIntervalMs?: number;
  /** Events per attempt to a Kafka topic or a file. */
  readonly groupSize?: number;
  /** How often alerts left unpublished (a streamer stopped, Kafka away) are published, in ms. */
  readonly alertSweepMs?: number;
}

export const streamerDefaults = {
  pollMs: 5_000,
  destinationRefreshMs: 1_000,
  batchSize: 1_000,
  lingerMs: 100,
  maxInFlight: 1_000,
  concurrency: 3,
  sessionTimeoutMs: settingDefault(consumerSettings.settings.CONSUMER_SESSION_TIMEOUT_MS),
  topicRefreshMs: 30_000,
  retentionIntervalMs: 3_600_000,
  groupSize: 100,
  alertAfterFailures: settingDefault(streamerSettings.settings.STREAMER_ALERT_AFTER_FAILURES),
  alertAfterMs: settingDefault(streamerSettings.settings.STREAMER_ALERT_AFTER_MS),
  alertSweepMs: 5_000,
} as const;
