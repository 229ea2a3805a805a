import { createRequire } from 'node:module';
import {
  pino,
  stdSerializers,
  type DestinationStream,
  type Level,
  type LevelWithSilent,
  type Logger,
  type LoggerOptions,
  type StreamEntry,
} from 'pino';
import { redactUrl, redactUrlsIn } from '../core/redact-url.js';

/** The context keys a child logger may bind; message text stays constant, variables go here. */
export interface LogFields {
  service?: string;
  topic?: string;
  partition?: number;
  offset?: string;
  eventId?: string;
  entityType?: string;
  entityId?: string;
  destinationId?: string;
  deliveryId?: string;
  attempt?: number;
}

export type { Logger };

export interface CopyOptions {
  /** Also writes every line at `level` or above here, whatever the logger's own level (tests keep each service's log). */
  readonly copyTo?: { readonly stream: DestinationStream; readonly level: Level };
}

/**
 * Fields that never reach a log line as they are, at the top level or one object down (and a
 * request's headers, a Kafka, RabbitMQ or NATS destination's settings in a request body, and a Kafka security
 * setup's password and key): secrets are replaced, connection strings lose their password.
 */
const secretFields = [
  'password',
  'secret',
  'secrets',
  'apiKey',
  'authorization',
  'cookie',
  'secretKey',
  'sasl_password',
  'ssl_key_pem',
  'credentials',
];
const urlFields = ['url', 'endpoint', 'databaseUrl', 'connectionString', 'schemaRegistryUrl', 'input'];
const redaction: LoggerOptions['redact'] = {
  paths: [
    ...[...secretFields, ...urlFields].flatMap((field) => [field, `*.${field}`]),
    ...['authorization', 'cookie'].flatMap((header) => [`req.headers.${header}`, `*.headers.${header}`]),
    ...['sasl_password', 'ssl_key_pem'].map((setting) => `*.kafka.${setting}`),
    ...['amqp.password', 'nats.password', 'nats.token'].map((setting) => `*.${setting}`),
    ...['sasl.password', 'tls.key'].flatMap((path) => [path, `*.${path}`, `*.security.${path}`]),
  ],
  censor: (value: unknown, path: string[]) => {
    if (!urlFields.includes(path[path.length - 1] ?? '')) return '[redacted]';
    return typeof value === 'string' ? redactUrl(value) : value;
  },
};

/**
 * Errors carry what they were given: a URL error its input, a driver error its connection
 * string, a message text that quotes a secret. Every string of the serialized error is scrubbed.
 */
function serializeError(error: unknown): unknown {
  return scrubStrings(stdSerializers.err(error as Error), 0);
}

function scrubStrings(value: unknown, depth: number): unknown {
  if (typeof value === 'string') return scrubText(value);
  if (value === null || typeof value !== 'object' || depth > 4) return value;
  if (Array.isArray(value)) return value.map((item) => scrubStrings(item, depth + 1));
  return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, scrubStrings(item, depth + 1)]));
}

/** Passwords in URLs, API keys and webhook secrets by their prefix, and PEM private keys, masked inside any text. */
function scrubText(text: string): string {
  return redactUrlsIn(text)
    .replace(/\b(evp_sk_|whsec_)[A-Za-z0-9_+/=-]{8,}/g, '$1***')
    .replace(/-----BEGIN ([A-Z ]*)PRIVATE KEY-----[\s\S]*?(-----END \1PRIVATE KEY-----|$)/g, '-----BEGIN $1PRIVATE KEY----- [redacted]');
}

const baseOptions: LoggerOptions = { redact: redaction, serializers: { err: serializeError } };

/**
 * The one root logger: JSON lines on stderr, pretty-printed when stderr is a terminal (and
 * pino-pretty is installed: a service with only the publisher SDK may lack it). stdout is left
 * to command output (status, keys) so scripts can read it.
 */
export function createLogger(level: LevelWithSilent, fields: LogFields = {}, options: CopyOptions = {}): Logger {
  const logger = options.copyTo
    ? copyingLogger(level, options.copyTo)
    : process.stderr.isTTY === true && isInstalled('pino-pretty')
      ? pino({
          ...baseOptions,
          level,
          transport: {
            target: 'pino-pretty',
            options: { destination: 2, colorize: true, ignore: 'pid,hostname', translateTime: 'SYS:HH:MM:ss.l' },
          },
        })
      : pino({ ...baseOptions, level, base: null }, pino.destination({ dest: 2, sync: true }));
  return Object.keys(fields).length > 0 ? logger.child(fields) : logger;
}

/** JSON lines at `level` on stderr and, at the copy's level, to the copy. */
function copyingLogger(level: LevelWithSilent, copy: NonNullable<CopyOptions['copyTo']>): Logger {
  const streams: StreamEntry[] = [{ level: copy.level, stream: copy.stream }];
  if (level !== 'silent') streams.push({ level, stream: pino.destination({ dest: 2, sync: true }) });
  const lowest = level === 'silent' || pino.levels.values[copy.level]! < pino.levels.values[level]! ? copy.level : level;
  return pino({ ...baseOptions, level: lowest, base: null }, pino.multistream(streams));
}

/** Whether a module resolves from here, as pino resolves a transport's target (from its caller). */
function isInstalled(name: string): boolean {
  try {
    createRequire(import.meta.url).resolve(name);
    return true;
  } catch {
    return false;
  }
}
