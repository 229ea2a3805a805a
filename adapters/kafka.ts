import { Kafka, logLevel, type KafkaConfig, type LogEntry } from 'kafkajs';
import { KafkaError, coerceError, kafkaErrorCodes } from './errors.js';
import type { Logger } from './logger.js';

export interface KafkaClientOptions {
  readonly brokers: readonly string[];
  readonly clientId: string;
  readonly logger: Logger;
  /** kafkajs's own retry budget for each request. */
  readonly retry?: KafkaConfig['retry'];
  readonly connectionTimeoutMs?: number;
  /** Opens the client's connections (a guard on where they go); kafkajs's plain TCP/TLS when unset. */
  readonly socketFactory?: KafkaConfig['socketFactory'];
  /** kafkajs's own warnings and errors at debug: for clusters whose failures the caller reports itself. */
  readonly quiet?: boolean;
}

/**
 * The one place a kafkajs client is built. kafkajs's log lines go to our logger with their
 * fields. Its ERROR lines become warnings: kafkajs logs at ERROR what it is about to retry (a
 * coordinator still loading, a leader moving), and our code reports the failures that remain.
 */
export function createKafka(options: KafkaClientOptions): Kafka {
  const kafkaLogger = options.logger.child({ component: 'kafkajs' });
  return new Kafka({
    clientId: options.clientId,
    brokers: [...options.brokers],
    connectionTimeout: options.connectionTimeoutMs ?? 3_000,
    retry: options.retry ?? { initialRetryTime: 200, retries: 8, maxRetryTime: 10_000 },
    ...(options.socketFactory === undefined ? {} : { socketFactory: options.socketFactory }),
    logLevel: logLevel.INFO,
    logCreator:
      () =>
      ({ namespace, level, log }: LogEntry) => {
        const { message, timestamp: _timestamp, logger: _logger, ...fields } = log;
        const bound = { namespace, ...fields };
        // Our publisher bounds the idempotent producer's retries on purpose, so a publish rejects instead of hanging.
        if (message.startsWith('Limiting retries for the idempotent producer')) kafkaLogger.debug(bound, message);
        else if (options.quiet === true) kafkaLogger.debug(bound, message);
        else if (level === logLevel.ERROR || level === logLevel.WARN) kafkaLogger.warn(bound, message);
        else if (level === logLevel.INFO) kafkaLogger.debug(bound, message);
        else kafkaLogger.trace(bound, message);
      },
  });
}

/** Connects kafkajs clients (admin, producer, consumer); when Kafka cannot be reached, says so naming the brokers. */
export async function connectKafka(
  brokers: readonly string[],
  ...clients: { connect(): Promise<void>; disconnect(): Promise<void> }[]
): Promise<void> {
  try {
    await Promise.all(clients.map((client) => client.connect()));
  } catch (error) {
    await Promise.allSettled(clients.map((client) => client.disconnect()));
    throw new KafkaError(
      kafkaErrorCodes.unreachable,
      `Kafka at ${brokers.join(',')} is unreachable (${coerceError(error).message}); start it with \`npx evp stack up\` or set KAFKA_BROKERS`,
      { cause: error, retriable: true },
    );
  }
}
