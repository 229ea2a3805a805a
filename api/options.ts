import type { KafkaSecurity } from '../adapters/kafka/security.js';
import type { Logger } from '../adapters/logger.js';
import type { RegistryAuth } from '../adapters/registry.js';
import { apiSettings } from '../adapters/settings/api.js';
import { databaseSettings } from '../adapters/settings/database.js';
import { settingDefault } from '../adapters/settings/setting.js';
import type { EventInput } from '../core/build-event.js';
import type { SecretBox } from '../core/secret-box.js';
import type { Ingest, StreamSettings } from './context.js';
import type { RateLimitSettings } from './rate-limit.js';
import type { StreamLimits } from './stream/stream-slots.js';

export interface ApiOptions {
  readonly databaseUrl: string;
  /** The schema holding the pipeline's tables. @defaultValue public */
  readonly databaseSchema: string;
  readonly schemaRegistryUrl: string;
  /** Credentials and CA for the registry, when it asks for them. */
  readonly registryAuth?: RegistryAuth | undefined;
  /** Kafka, asked for high watermarks by GET /stats/consumers (without it consumer lag is null), and the cluster Kafka destinations may not write to. (`evp api`: `KAFKA_BROKERS` or the local stack's) */
  readonly kafkaBrokers?: readonly string[] | undefined;
  /** How to authenticate to those brokers. @defaultValue PLAINTEXT */
  readonly kafkaSecurity?: KafkaSecurity | undefined;
  /** Names the entity topics, hence the registry subjects of the catalogue's schemas. */
  readonly topicPrefix: string;
  readonly logger: Logger;
  /** Listening port; 0 picks a free one. (`evp api`: `API_PORT`) */
  readonly port: number;
  /** Listening address. @defaultValue 0.0.0.0 */
  readonly host?: string;
  /** Database connections. @defaultValue 10 */
  readonly poolSize?: number;
  /** How long a checked API key is trusted before the database is asked again. @defaultValue 5 s */
  readonly keyCacheMs?: number;
  readonly stream?: Partial<StreamSettings>;
  /** Live tails open at once per key, organization and client address; 0 is no limit. @defaultValue the defaults of `API_STREAMS_PER_KEY`, `API_STREAMS_PER_ORG`, `API_STREAMS_PER_CLIENT` */
  readonly streamLimits?: Partial<StreamLimits>;
  /**
   * How long a client may take to send its request headers, then its whole request (body
   * included), in ms; past either it is answered 408 and disconnected.
   * @defaultValue the defaults of `API_HEADERS_TIMEOUT_MS` and `API_REQUEST_TIMEOUT_MS`
   */
  readonly timeouts?: { readonly headersMs: number; readonly requestMs: number } | undefined;
  /** Seals webhook signing secrets at rest; the streamers must open them with the same key. (`evp api`: `DESTINATION_SECRET_KEY`, else `<EVP_DATA_DIR>/destination-secret.key`) */
  readonly secretBox: SecretBox;
  /**
   * The key was made just now (no DESTINATION_SECRET_KEY, no key file): the API refuses to start
   * if the stored secrets were sealed under other keys only, rather than seal new ones apart.
   */
  readonly secretKeyMadeNow?: boolean;
  /** Hosts webhooks may reach over http or at internal addresses. @defaultValue none (`DESTINATION_ALLOWED_HOSTS`) */
  readonly allowedHosts?: readonly string[];
  /** Kafka destination brokers allowed at internal addresses or on the pipeline's own cluster, `host:port` or `host`. @defaultValue none (`DESTINATION_ALLOWED_KAFKA_BROKERS`) */
  readonly allowedKafkaBrokers?: readonly string[];
  /** Destinations one organization may have; 0: no limit. @defaultValue the default of `API_MAX_DESTINATIONS_PER_ORG` */
  readonly maxDestinationsPerOrg?: number;
  /** Days the event log keeps an event; 0 keeps all. @defaultValue the default of `EVENT_RETENTION_DAYS` */
  readonly eventRetentionDays?: number;
  /** File destinations write below their organization's own directory here; without one they are refused. (`evp api`: `DESTINATION_FILE_ROOT`, default `<EVP_DATA_DIR>/destinations`) */
  readonly fileRoot?: string | undefined;
  /** The built web console, served under /console/. @defaultValue `<project>/dist/console` */
  readonly consoleDir?: string | undefined;
  /**
   * Requests per API key, and failed authentications per client IP, allowed in each window.
   * @defaultValue none: nothing is limited (`evp api`: `API_RATE_LIMIT`, `API_RATE_LIMIT_AUTH_FAILURES`,
   * `API_RATE_LIMIT_WINDOW_MS`)
   */
  readonly rateLimit?: RateLimitSettings | undefined;
  /** Proxies believed about the client's address (X-Forwarded-For): none, all, hops, or addresses and ranges. @defaultValue false (`API_TRUST_PROXY`) */
  readonly trustProxy?: boolean | number | readonly string[] | undefined;
  /** Publishes the pipeline's own events (`destination.enabled`); without it the API only changes state. (`evp api`: a publisher as source `api`) */
  readonly publishEvent?: ((type: string, event: EventInput) => Promise<unknown>) | undefined;
  /** Publishes what clients send to POST /api/v1/events and /events/batch; without it those answer 503. (`evp api`: the same publisher) */
  readonly ingest?: Ingest | undefined;
}

const { settings } = apiSettings;

export const apiDefaults = {
  host: '0.0.0.0',
  poolSize: 10,
  keyCacheMs: 5_000,
  maxDestinationsPerOrg: settingDefault(settings.API_MAX_DESTINATIONS_PER_ORG),
  eventRetentionDays: settingDefault(databaseSettings.settings.EVENT_RETENTION_DAYS),
  stream: { maxBufferBytes: 1024 * 1024, heartbeatMs: 15_000, pollMs: 1_000 } satisfies StreamSettings,
  streamLimits: {
    perKey: settingDefault(settings.API_STREAMS_PER_KEY),
    perOrganization: settingDefault(settings.API_STREAMS_PER_ORG),
    perClient: settingDefault(settings.API_STREAMS_PER_CLIENT),
  } satisfies StreamLimits,
  timeouts: { headersMs: settingDefault(settings.API_HEADERS_TIMEOUT_MS), requestMs: settingDefault(settings.API_REQUEST_TIMEOUT_MS) },
} as const;
