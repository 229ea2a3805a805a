import { isIP } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { defaultDeliverySchedule } from '../core/delivery-schedule.js';
import { redactUrl } from '../core/redact-url.js';
import { parseSecretKey } from '../core/secret-box.js';
import { ConfigError } from './errors.js';

/** The local stack's settings: where it keeps its files and which ports it binds. */
export interface StackConfig {
  /** Data, pid files and logs of the services the stack starts. @defaultValue `~/.local/share/event-pipeline` (`EVP_DATA_DIR`) */
  readonly dataDir: string;
  /** Downloaded jars and archives. @defaultValue `~/.cache/event-pipeline` (`EVP_CACHE_DIR`) */
  readonly cacheDir: string;
  /**
   * Kafka nodes the stack runs, each a KRaft broker and controller: 1, or 3 for a cluster that
   * keeps working when one node dies. `evp stack up --brokers` overrides it. @defaultValue 1 (`EVP_KAFKA_NODES`)
   */
  readonly kafkaNodes: 1 | 3;
  /** Kafka's client port on 127.0.0.1; node n of a cluster uses this + 2(n-1). @defaultValue 9092 (`EVP_KAFKA_PORT`) */
  readonly kafkaPort: number;
  /** Kafka's KRaft controller port on 127.0.0.1; node n of a cluster uses this + 2(n-1). @defaultValue 9093 (`EVP_KAFKA_CONTROLLER_PORT`) */
  readonly kafkaControllerPort: number;
  /** Each Kafka node's JVM heap, as `-Xmx`. @defaultValue `512m`, `384m` per node of a cluster (`EVP_KAFKA_HEAP`) */
  readonly kafkaHeap: string;
  /** Apicurio Registry's HTTP port on 127.0.0.1. @defaultValue 8081 (`EVP_REGISTRY_PORT`) */
  readonly registryPort: number;
  /** Apicurio's management port (health, metrics). @defaultValue 8082 (`EVP_REGISTRY_MANAGEMENT_PORT`) */
  readonly registryManagementPort: number;
  /** Apicurio Registry's JVM heap, as `-Xmx`. @defaultValue `512m` (`EVP_REGISTRY_HEAP`) */
  readonly registryHeap: string;
  /** A JDK (21 or newer) for the registry; searched for when unset. (`EVP_REGISTRY_JAVA_HOME`) */
  readonly registryJavaHome: string | undefined;
  /** A JDK for Kafka; `java` on the PATH when unset. (`JAVA_HOME`) */
  readonly javaHome: string | undefined;
  /** The PostgreSQL port probed on 127.0.0.1, and the embedded server's port when none answers. @defaultValue 5432 (`EVP_POSTGRES_PORT`) */
  readonly postgresPort: number;
  /** How long `stack up` waits for each service to answer, in ms. @defaultValue 90000 (`EVP_STACK_TIMEOUT_MS`) */
  readonly readyTimeoutMs: number;
}

/** `evp materializer`'s settings. */
export interface MaterializerConfig {
  /** Its consumer group; instances in one group share the partitions. @defaultValue `<TOPIC_PREFIX>.materializer` (`MATERIALIZER_GROUP`) */
  readonly groupId: string;
  /** Port of `/healthz` and `/metrics`; 0 picks a free one. @defaultValue 3001 (`MATERIALIZER_PORT`) */
  readonly port: number;
  /** Most events written in one transaction. @defaultValue 2000 (`MATERIALIZER_BATCH_SIZE`) */
  readonly batchSize: number;
  /** How long a fetch may wait for more records before a batch is handed over, in ms. @defaultValue 100 (`MATERIALIZER_LINGER_MS`) */
  readonly lingerMs: number;
  /** Partitions written concurrently, each on its own connection. @defaultValue 3 (`MATERIALIZER_CONCURRENCY`) */
  readonly concurrency: number;
  /** Its static member id in the group, unique per process. @defaultValue `<hostname>-materializer-<port>`, none when the port is 0 (`MATERIALIZER_INSTANCE_ID`) */
  readonly instanceId: string | undefined;
}

/** `evp streamer`'s settings. */
export interface StreamerConfig {
  /** Its consumer group; instances in one group share the partitions and the delivery work. @defaultValue `<TOPIC_PREFIX>.streamer` (`STREAMER_GROUP`) */
  readonly groupId: string;
  /** Port of `/healthz` and `/metrics`; 0 picks a free one. @defaultValue 3002 (`STREAMER_PORT`) */
  readonly port: number;
  /** Delay before each attempt, in ms, for destinations without their own. @defaultValue `0,5000,300000,1800000,7200000,18000000,36000000,36000000` (`STREAMER_RETRY_SCHEDULE_MS`) */
  readonly retryScheduleMs: readonly number[];
  /** Attempts in flight per destination, for destinations without their own limit. @defaultValue 10 (`STREAMER_MAX_CONCURRENCY`) */
  readonly maxConcurrency: number;
  /** How long an attempt may take, in ms (webhooks may set their own). @defaultValue 15000 (`STREAMER_TIMEOUT_MS`) */
  readonly timeoutMs: number;
  /** A destination whose every attempt failed for this many hours is disabled. @defaultValue 120 (`STREAMER_DISABLE_AFTER_HOURS`) */
  readonly disableAfterHours: number;
  /** Deliveries and their attempts are deleted this many days after they were recorded. @defaultValue 90 (`DELIVERY_RETENTION_DAYS`) */
  readonly deliveryRetentionDays: number;
  /** Its static member id in the group, unique per process. @defaultValue `<hostname>-streamer-<port>`, none when the port is 0 (`STREAMER_INSTANCE_ID`) */
  readonly instanceId: string | undefined;
}

/** What the Events API takes from one client. Each API process counts on its own. */
export interface ApiRateLimitConfig {
  /** Requests one API key may make per window; 0 turns the limit off. @defaultValue 100 (`API_RATE_LIMIT`) */
  readonly perKey: number;
  /** Failed authentications one client IP may make per window, after which it is refused until the window ends; 0 turns the limit off. @defaultValue 10 (`API_RATE_LIMIT_AUTH_FAILURES`) */
  readonly authFailuresPerIp: number;
  /** The window both limits count in, in ms. @defaultValue 1000 (`API_RATE_LIMIT_WINDOW_MS`) */
  readonly windowMs: number;
}

/** What one client may hold of an Events API process: live tails and slow requests. */
export interface ApiLimitsConfig {
  /** Live tails open at once with one API key; 0: no limit. @defaultValue 10 (`API_STREAMS_PER_KEY`) */
  readonly streamsPerKey: number;
  /** Live tails open at once for one organization, all its keys together; 0: no limit. @defaultValue 50 (`API_STREAMS_PER_ORG`) */
  readonly streamsPerOrganization: number;
  /** Live tails open at once from one client address; 0: no limit. @defaultValue 25 (`API_STREAMS_PER_CLIENT`) */
  readonly streamsPerClient: number;
  /** A client must have sent its request headers within this, in ms. @defaultValue 10000 (`API_HEADERS_TIMEOUT_MS`) */
  readonly headersTimeoutMs: number;
  /** A client must have sent its whole request (body included) within this, in ms. @defaultValue 30000 (`API_REQUEST_TIMEOUT_MS`) */
  readonly requestTimeoutMs: number;
}

export interface Config {
  /** Kafka bootstrap brokers; the local stack's when unset. (`KAFKA_BROKERS`, comma-separated host:port) */
  readonly kafkaBrokers: readonly string[] | undefined;
  /** Confluent-API schema registry base URL; the local stack's when unset. (`SCHEMA_REGISTRY_URL`) */
  readonly schemaRegistryUrl: string | undefined;
  /** PostgreSQL connection string; the local server or an embedded one when unset. (`DATABASE_URL`) */
  readonly databaseUrl: string | undefined;
  /** The PostgreSQL schema holding the pipeline's tables (created when missing). @defaultValue `public` (`DATABASE_SCHEMA`) */
  readonly databaseSchema: string;
  /** Events older than this many days leave the event log (entity state stays); 0 keeps every event. @defaultValue 90 (`EVENT_RETENTION_DAYS`) */
  readonly eventRetentionDays: number;
  /**
   * A materializer or streamer that sends no heartbeat for this long leaves its group and its
   * partitions move, in ms. A static member restarted sooner takes its place at once.
   * @defaultValue 10000 (`CONSUMER_SESSION_TIMEOUT_MS`)
   */
  readonly consumerSessionTimeoutMs: number;
  readonly materializer: MaterializerConfig;
  readonly streamer: StreamerConfig;
  /** Topics are `<topicPrefix>.<entity>`. @defaultValue `events` (`TOPIC_PREFIX`) */
  readonly topicPrefix: string;
  /** The Events API's port. @defaultValue 3000 (`API_PORT`) */
  readonly apiPort: number;
  readonly apiRateLimit: ApiRateLimitConfig;
  readonly apiLimits: ApiLimitsConfig;
  /**
   * Which proxies in front of the API to believe about the client's address (X-Forwarded-For):
   * `false` none, `true` all, a number of hops, or addresses and CIDR ranges. The failed-login
   * limit counts per client address. @defaultValue false (`API_TRUST_PROXY`)
   */
  readonly apiTrustProxy: boolean | number | readonly string[];
  /**
   * Hosts webhooks may reach over plain http or at internal addresses (loopback, private,
   * link-local). @defaultValue none (`DESTINATION_ALLOWED_HOSTS`, comma-separated)
   */
  readonly destinationAllowedHosts: readonly string[];
  /**
   * Kafka destination brokers allowed at internal addresses or on the pipeline's own cluster,
   * `host:port` or `host` (any port); the pipeline's own topics stay refused. DESTINATION_ALLOWED_HOSTS
   * does not apply to Kafka. @defaultValue none (`DESTINATION_ALLOWED_KAFKA_BROKERS`, comma-separated)
   */
  readonly destinationAllowedKafkaBrokers: readonly string[];
  /** Destinations one organization may have (deleted ones aside); 0: no limit. @defaultValue 100 (`API_MAX_DESTINATIONS_PER_ORG`) */
  readonly apiMaxDestinationsPerOrg: number;
  /** File destinations write below their organization's own directory here, nowhere else. @defaultValue `<EVP_DATA_DIR>/destinations` (`DESTINATION_FILE_ROOT`) */
  readonly destinationFileRoot: string;
  /**
   * The key webhook signing secrets are sealed with at rest: 32 bytes in base64 or hex, the same
   * for every API and streamer process. @defaultValue the key in `<EVP_DATA_DIR>/destination-secret.key`,
   * made by the API, `evp start`, `evp demo` or `evp secret-key ensure` (`DESTINATION_SECRET_KEY`)
   */
  readonly destinationSecretKey: string | undefined;
  /** pino level. @defaultValue `info` (`LOG_LEVEL`) */
  readonly logLevel: 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal' | 'silent';
  readonly stack: StackConfig;
}

const port = (example: number) =>
  z.coerce
    .number({ error: `must be a port number, e.g. ${example}` })
    .int(`must be a whole port number, e.g. ${example}`)
    .min(1, `must be 1..65535, e.g. ${example}`)
    .max(65535, `must be 1..65535, e.g. ${example}`)
    .default(example);

const heap = z
  .string()
  .regex(/^\d+[kmg]$/i, 'must be a JVM heap size such as 512m or 1g')
  .default('512m');

const optionalText = z
  .string()
  .trim()
  .transform((value) => (value === '' ? undefined : value))
  .optional();

/** A heap whose default depends on other settings (Kafka's, on the number of nodes). */
const optionalHeap = optionalText.pipe(
  z
    .string()
    .regex(/^\d+[kmg]$/i, 'must be a JVM heap size such as 512m or 1g')
    .optional(),
);

/** A Kafka group.instance.id: what Kafka allows in a name. */
const instanceId = optionalText.pipe(
  z
    .string()
    .regex(/^[A-Za-z0-9._-]{1,249}$/, 'must be 1 to 249 letters, digits, ".", "_" or "-", unique per process, e.g. host-a-streamer')
    .optional(),
);

const wholeNumber = (example: number, min: number, max: number) =>
  z.coerce
    .number({ error: `must be a whole number, e.g. ${example}` })
    .int(`must be a whole number, e.g. ${example}`)
    .min(min, `must be at least ${min}`)
    .max(max, `must be at most ${max}`)
    .default(example);

/** `API_TRUST_PROXY`: true, false, hops, or a list of addresses and CIDR ranges; undefined when it is none of those. */
function parseTrustProxy(value: string): boolean | number | string[] | undefined {
  const text = value.trim().toLowerCase();
  if (text === 'true' || text === 'false') return text === 'true';
  if (/^\d+$/.test(text)) return Number(text);
  const entries = text
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
  const valid = (entry: string) => {
    const [address = '', bits, ...rest] = entry.split('/');
    const family = isIP(address);
    if (family === 0 || rest.length > 0) return false;
    return bits === undefined || (/^\d+$/.test(bits) && Number(bits) <= (family === 4 ? 32 : 128));
  };
  return entries.length > 0 && entries.every(valid) ? entries : undefined;
}

/**
 * A variable's value as an error may repeat it: none at all for a variable named as a secret (a
 * key, but not a per-key limit such as API_STREAMS_PER_KEY), a connection string without its
 * password. Errors end up in logs and terminals.
 */
function shownValue(variable: string, value: string | undefined): string {
  if (/SECRET|(?<!PER_)KEY|PASSWORD|PASSWD|TOKEN|CREDENTIAL/i.test(variable)) return '(hidden)';
  return JSON.stringify(redactUrl(value ?? ''));
}

const envSchema = z.object({
  KAFKA_BROKERS: optionalText.pipe(
    z
      .string()
      .transform((value) =>
        value
          .split(',')
          .map((broker) => broker.trim())
          .filter(Boolean),
      )
      .pipe(z.array(z.string().regex(/^[^\s:]+:\d+$/, 'each broker must be host:port, e.g. 127.0.0.1:9092')).min(1))
      .optional(),
  ),
  SCHEMA_REGISTRY_URL: optionalText.pipe(z.url({ error: 'must be a URL, e.g. http://127.0.0.1:8081/apis/ccompat/v7' }).optional()),
  DATABASE_URL: optionalText.pipe(
    z
      .string()
      .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL, e.g. postgres://postgres@127.0.0.1:5432/event_pipeline')
      .optional(),
  ),
  TOPIC_PREFIX: z
    .string()
    .regex(/^[a-zA-Z0-9_-]+(\.[a-zA-Z0-9_-]+)*$/, 'must be letters, digits, _ - and dots, e.g. events')
    .default('events'),
  DATABASE_SCHEMA: z
    .string()
    .regex(/^[a-z_][a-z0-9_]{0,62}$/, 'must be a lower-case SQL identifier (letters, digits, _), e.g. public')
    .default('public'),
  EVENT_RETENTION_DAYS: wholeNumber(90, 0, 36_500),
  CONSUMER_SESSION_TIMEOUT_MS: wholeNumber(10_000, 6_000, 1_800_000),
  MATERIALIZER_GROUP: optionalText,
  MATERIALIZER_PORT: z.coerce
    .number({ error: 'must be a port number (0 for any free one), e.g. 3001' })
    .int('must be a whole port number, e.g. 3001')
    .min(0, 'must be 0..65535, e.g. 3001')
    .max(65535, 'must be 0..65535, e.g. 3001')
    .default(3001),
  MATERIALIZER_BATCH_SIZE: wholeNumber(2000, 1, 100_000),
  MATERIALIZER_LINGER_MS: wholeNumber(100, 0, 60_000),
  MATERIALIZER_CONCURRENCY: wholeNumber(3, 1, 64),
  MATERIALIZER_INSTANCE_ID: instanceId,
  STREAMER_GROUP: optionalText,
  STREAMER_PORT: z.coerce
    .number({ error: 'must be a port number (0 for any free one), e.g. 3002' })
    .int('must be a whole port number, e.g. 3002')
    .min(0, 'must be 0..65535, e.g. 3002')
    .max(65535, 'must be 0..65535, e.g. 3002')
    .default(3002),
  STREAMER_RETRY_SCHEDULE_MS: optionalText.pipe(
    z
      .string()
      .regex(/^\d+(,\d+)*$/, 'must be delays in ms separated by commas, e.g. 0,5000,300000')
      .transform((value) => value.split(',').map(Number))
      .pipe(
        z
          .array(z.number().max(7 * 86_400_000, 'each delay must be at most 7 days'))
          .min(1)
          .max(20, 'at most 20 attempts'),
      )
      .optional(),
  ),
  STREAMER_MAX_CONCURRENCY: wholeNumber(10, 1, 100),
  STREAMER_TIMEOUT_MS: wholeNumber(15_000, 1_000, 60_000),
  STREAMER_DISABLE_AFTER_HOURS: wholeNumber(120, 1, 8_760),
  STREAMER_INSTANCE_ID: instanceId,
  DELIVERY_RETENTION_DAYS: wholeNumber(90, 1, 36_500),
  API_PORT: port(3000),
  API_RATE_LIMIT: wholeNumber(100, 0, 1_000_000),
  API_RATE_LIMIT_AUTH_FAILURES: wholeNumber(10, 0, 1_000_000),
  API_RATE_LIMIT_WINDOW_MS: wholeNumber(1000, 100, 86_400_000),
  API_STREAMS_PER_KEY: wholeNumber(10, 0, 100_000),
  API_STREAMS_PER_ORG: wholeNumber(50, 0, 100_000),
  API_STREAMS_PER_CLIENT: wholeNumber(25, 0, 100_000),
  API_HEADERS_TIMEOUT_MS: wholeNumber(10_000, 1_000, 600_000),
  API_REQUEST_TIMEOUT_MS: wholeNumber(30_000, 1_000, 3_600_000),
  API_TRUST_PROXY: optionalText.pipe(
    z
      .string()
      .transform((value, check) => {
        const parsed = parseTrustProxy(value);
        if (parsed === undefined) {
          check.addIssue({
            code: 'custom',
            message: 'must be true, false, a number of hops, or addresses and CIDR ranges, e.g. 10.0.0.0/8,127.0.0.1',
          });
          return z.NEVER;
        }
        return parsed;
      })
      .optional(),
  ),
  DESTINATION_ALLOWED_HOSTS: optionalText.pipe(
    z
      .string()
      .transform((value) =>
        value
          .split(',')
          .map((host) => host.trim().toLowerCase())
          .filter(Boolean),
      )
      .optional(),
  ),
  DESTINATION_ALLOWED_KAFKA_BROKERS: optionalText.pipe(
    z
      .string()
      .transform((value) =>
        value
          .split(',')
          .map((broker) => broker.trim().toLowerCase())
          .filter(Boolean),
      )
      .pipe(z.array(z.string().regex(/^[^\s:/]+(:\d{1,5})?$/, 'each broker must be host:port or host, e.g. kafka-1.internal:9092')))
      .optional(),
  ),
  API_MAX_DESTINATIONS_PER_ORG: wholeNumber(100, 0, 1_000_000),
  DESTINATION_FILE_ROOT: optionalText.pipe(
    z.string().regex(/^\//, 'must be an absolute directory, e.g. /var/lib/evp/destinations').optional(),
  ),
  DESTINATION_SECRET_KEY: optionalText.pipe(
    z
      .string()
      .refine(
        (value) => parseSecretKey(value) !== undefined,
        'must be 32 bytes in base64 or hex, e.g. the output of `openssl rand -base64 32`',
      )
      .optional(),
  ),
  LOG_LEVEL: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info'),
  EVP_DATA_DIR: optionalText,
  EVP_CACHE_DIR: optionalText,
  EVP_KAFKA_NODES: z
    .enum(['1', '3'], { error: 'must be 1 (a single node) or 3 (a cluster that survives one dead node), e.g. 3' })
    .default('1')
    .transform((value): 1 | 3 => (value === '3' ? 3 : 1)),
  EVP_KAFKA_PORT: port(9092),
  EVP_KAFKA_CONTROLLER_PORT: port(9093),
  EVP_KAFKA_HEAP: optionalHeap,
  EVP_REGISTRY_PORT: port(8081),
  EVP_REGISTRY_MANAGEMENT_PORT: port(8082),
  EVP_REGISTRY_HEAP: heap,
  EVP_REGISTRY_JAVA_HOME: optionalText,
  JAVA_HOME: optionalText,
  EVP_POSTGRES_PORT: port(5432),
  EVP_STACK_TIMEOUT_MS: z.coerce
    .number({ error: 'must be a number of milliseconds, e.g. 90000' })
    .int()
    .min(1000, 'must be at least 1000 ms')
    .default(90_000),
});

/**
 * Node n of the local Kafka listens on EVP_KAFKA_PORT + 2(n-1) and EVP_KAFKA_CONTROLLER_PORT + 2(n-1)
 * (stack/kafka-config.ts): no port may serve two listeners, none may pass 65535.
 */
function checkKafkaPorts(e: z.infer<typeof envSchema>, check: z.RefinementCtx): void {
  const clients = Array.from({ length: e.EVP_KAFKA_NODES }, (_, index) => e.EVP_KAFKA_PORT + 2 * index);
  const controllers = Array.from({ length: e.EVP_KAFKA_NODES }, (_, index) => e.EVP_KAFKA_CONTROLLER_PORT + 2 * index);
  const layout = 'node n uses EVP_KAFKA_PORT + 2(n-1) and EVP_KAFKA_CONTROLLER_PORT + 2(n-1)';
  const clash = clients.find((port) => controllers.includes(port));
  if (clash !== undefined) {
    check.addIssue({
      code: 'custom',
      path: ['EVP_KAFKA_CONTROLLER_PORT'],
      message: `gives port ${clash} to both a client and a controller listener of the ${e.EVP_KAFKA_NODES}-node Kafka (${layout}); choose ports an odd number apart, e.g. 9092 and 9093`,
    });
  }
  const highest = Math.max(...clients, ...controllers);
  if (highest > 65535) {
    check.addIssue({
      code: 'custom',
      path: [clients.includes(highest) ? 'EVP_KAFKA_PORT' : 'EVP_KAFKA_CONTROLLER_PORT'],
      message: `leaves no room for ${e.EVP_KAFKA_NODES} Kafka nodes below port 65536 (${layout}), e.g. 9092`,
    });
  }
}

/**
 * Reads the environment once, validates it once and returns a frozen Config. Every problem is
 * reported at once, each naming its variable.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  // An empty variable is an unset one: `EVENT_RETENTION_DAYS=` must not read as 0 (keep forever),
  // nor `API_RATE_LIMIT=` as 0 (no limit).
  const given = Object.fromEntries(Object.entries(env).filter(([, value]) => value === undefined || value.trim() !== ''));
  const parsed = envSchema.superRefine(checkKafkaPorts).safeParse(given);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => {
      const variable = issue.path[0] === undefined ? '(environment)' : String(issue.path[0]);
      return `${variable}=${shownValue(variable, env[variable])}: ${issue.message}`;
    });
    throw new ConfigError(`Invalid configuration:\n  ${problems.join('\n  ')}`, { problems });
  }
  const e = parsed.data;
  const home = os.homedir();
  return deepFreeze({
    kafkaBrokers: e.KAFKA_BROKERS,
    schemaRegistryUrl: e.SCHEMA_REGISTRY_URL?.replace(/\/+$/, ''),
    databaseUrl: e.DATABASE_URL,
    databaseSchema: e.DATABASE_SCHEMA,
    eventRetentionDays: e.EVENT_RETENTION_DAYS,
    consumerSessionTimeoutMs: e.CONSUMER_SESSION_TIMEOUT_MS,
    materializer: {
      groupId: e.MATERIALIZER_GROUP ?? `${e.TOPIC_PREFIX}.materializer`,
      port: e.MATERIALIZER_PORT,
      batchSize: e.MATERIALIZER_BATCH_SIZE,
      lingerMs: e.MATERIALIZER_LINGER_MS,
      concurrency: e.MATERIALIZER_CONCURRENCY,
      instanceId: e.MATERIALIZER_INSTANCE_ID,
    },
    streamer: {
      groupId: e.STREAMER_GROUP ?? `${e.TOPIC_PREFIX}.streamer`,
      port: e.STREAMER_PORT,
      retryScheduleMs: e.STREAMER_RETRY_SCHEDULE_MS ?? [...defaultDeliverySchedule],
      maxConcurrency: e.STREAMER_MAX_CONCURRENCY,
      timeoutMs: e.STREAMER_TIMEOUT_MS,
      disableAfterHours: e.STREAMER_DISABLE_AFTER_HOURS,
      deliveryRetentionDays: e.DELIVERY_RETENTION_DAYS,
      instanceId: e.STREAMER_INSTANCE_ID,
    },
    topicPrefix: e.TOPIC_PREFIX,
    apiPort: e.API_PORT,
    apiRateLimit: {
      perKey: e.API_RATE_LIMIT,
      authFailuresPerIp: e.API_RATE_LIMIT_AUTH_FAILURES,
      windowMs: e.API_RATE_LIMIT_WINDOW_MS,
    },
    apiLimits: {
      streamsPerKey: e.API_STREAMS_PER_KEY,
      streamsPerOrganization: e.API_STREAMS_PER_ORG,
      streamsPerClient: e.API_STREAMS_PER_CLIENT,
      headersTimeoutMs: e.API_HEADERS_TIMEOUT_MS,
      requestTimeoutMs: e.API_REQUEST_TIMEOUT_MS,
    },
    apiTrustProxy: e.API_TRUST_PROXY ?? false,
    destinationAllowedHosts: e.DESTINATION_ALLOWED_HOSTS ?? [],
    destinationAllowedKafkaBrokers: e.DESTINATION_ALLOWED_KAFKA_BROKERS ?? [],
    apiMaxDestinationsPerOrg: e.API_MAX_DESTINATIONS_PER_ORG,
    destinationFileRoot: path.resolve(
      e.DESTINATION_FILE_ROOT ?? path.join(e.EVP_DATA_DIR ?? path.join(home, '.local', 'share', 'event-pipeline'), 'destinations'),
    ),
    destinationSecretKey: e.DESTINATION_SECRET_KEY,
    logLevel: e.LOG_LEVEL,
    stack: {
      dataDir: path.resolve(e.EVP_DATA_DIR ?? path.join(home, '.local', 'share', 'event-pipeline')),
      cacheDir: path.resolve(e.EVP_CACHE_DIR ?? path.join(home, '.cache', 'event-pipeline')),
      kafkaNodes: e.EVP_KAFKA_NODES,
      kafkaPort: e.EVP_KAFKA_PORT,
      kafkaControllerPort: e.EVP_KAFKA_CONTROLLER_PORT,
      // Three JVMs share the machine: a smaller heap each is plenty for a development cluster.
      kafkaHeap: e.EVP_KAFKA_HEAP ?? (e.EVP_KAFKA_NODES === 3 ? '384m' : '512m'),
      registryPort: e.EVP_REGISTRY_PORT,
      registryManagementPort: e.EVP_REGISTRY_MANAGEMENT_PORT,
      registryHeap: e.EVP_REGISTRY_HEAP,
      registryJavaHome: e.EVP_REGISTRY_JAVA_HOME,
      javaHome: e.JAVA_HOME,
      postgresPort: e.EVP_POSTGRES_PORT,
      readyTimeoutMs: e.EVP_STACK_TIMEOUT_MS,
    },
  });
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}
