import { Kafka, logLevel, type KafkaConfig, type LogEntry, type Mechanism, type SASLOptions } from 'kafkajs';
import { KafkaError, coerceError, kafkaErrorCodes } from '../errors.js';
import { setTimeout as sleep } from 'node:timers/promises';
import { closedBeforeAnswer, diagnoseKafkaFailure, environmentVariables, type SecurityVariables } from './diagnosis.js';
import { plaintext, usesTls, type KafkaSecurity } from './security.js';
import { nodeTlsOptions } from './tls.js';
import { dropKafkajsTimerWarning } from './kafkajs-timer-warning.js';
import { createLogger, type Logger } from '../logger.js';

export interface KafkaClientOptions {
  readonly brokers: readonly string[];
  /** How to authenticate to the brokers and check them. @defaultValue PLAINTEXT */
  readonly security?: KafkaSecurity | undefined;
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
  dropKafkajsTimerWarning();
  const kafkaLogger = options.logger.child({ component: 'kafkajs' });
  return new Kafka({
    clientId: options.clientId,
    brokers: [...options.brokers],
    connectionTimeout: options.connectionTimeoutMs ?? 3_000,
    // A broker that does not finish authenticating in 5 s will not: say so rather than wait.
    authenticationTimeout: 5_000,
    ...kafkajsSecurity(options.security ?? plaintext),
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

/** Our security settings as kafkajs takes them. */
export function kafkajsSecurity(security: KafkaSecurity): Pick<KafkaConfig, 'ssl' | 'sasl'> {
  const ssl: KafkaConfig['ssl'] =
    usesTls(security.protocol) && security.tls !== undefined ? nodeTlsOptions(security.tls) : usesTls(security.protocol);
  const sasl = security.sasl;
  if (sasl === undefined) return { ssl };
  const options: SASLOptions | Mechanism =
    sasl.mechanism === 'OAUTHBEARER'
      ? oauthbearerMechanism(sasl.token)
      : sasl.mechanism === 'PLAIN'
        ? { mechanism: 'plain', username: sasl.username, password: sasl.password }
        : sasl.mechanism === 'SCRAM-SHA-256'
          ? { mechanism: 'scram-sha-256', username: sasl.username, password: sasl.password }
          : { mechanism: 'scram-sha-512', username: sasl.username, password: sasl.password };
  return { ssl, sasl: options };
}

/** A length-prefixed SASL payload, as kafkajs's SaslAuthenticate request carries it. */
function saslBytes(payload: Buffer): Buffer {
  const framed = Buffer.alloc(4 + payload.length);
  framed.writeInt32BE(payload.length, 0);
  payload.copy(framed, 4);
  return framed;
}

/**
 * SASL/OAUTHBEARER (RFC 7628) for kafkajs. kafkajs's own sends the token and takes any answer as
 * success, but a broker that refuses a token answers with an error challenge
 * (`{"status":"invalid_token"}`), not an error code, and then waits; the connection fails later
 * with an unrelated error ("No brokers in the broker pool"). This one reads the challenge, answers
 * it as the RFC asks (a lone %x01, so the broker ends the exchange) and fails with what the broker said.
 */
function oauthbearerMechanism(token: () => Promise<string>): Mechanism {
  return {
    mechanism: 'oauthbearer',
    authenticationProvider: ({ saslAuthenticate }) => ({
      authenticate: async () => {
        const value = await token();
        const challenge = await saslAuthenticate<string>({
          request: { encode: () => saslBytes(Buffer.from(`n,,\u0001auth=Bearer ${value}\u0001\u0001`)) },
          response: {
            decode: (raw) => raw,
            // The broker's bytes, with or without their length prefix: empty on success.
            parse: (data) => (data.length >= 4 && data.readInt32BE(0) === data.length - 4 ? data.subarray(4) : data).toString('utf8'),
          },
        });
        if (typeof challenge === 'string' && challenge !== '') {
          await saslAuthenticate({ request: { encode: () => saslBytes(Buffer.from([1])) } }).catch(() => undefined);
          // Named as kafkajs names its own authentication failures, which it does not retry.
          throw Object.assign(new Error(`SASL OAUTHBEARER authentication failed: the broker refused the token (${challenge})`), {
            name: 'KafkaJSSASLAuthenticationError',
            retriable: false,
          });
        }
      },
    }),
  };
}

/** Where a client connects and how: what a first connection is checked against. */
export interface KafkaTarget {
  readonly brokers: readonly string[];
  readonly security?: KafkaSecurity | undefined;
  /** How the caller names the settings in a diagnosis. @defaultValue the `KAFKA_*` variables */
  readonly variables?: SecurityVariables | undefined;
}

const silent = createLogger('silent');

/**
 * Opens one connection to the brokers, authenticated as the clients will be, without retries: a
 * failure that no wait can heal (credentials, mechanism, certificates, a listener of another
 * protocol) throws at once, naming the setting to fix. Network failures are left to the
 * clients' own retries.
 */
export async function checkKafkaSecurity(target: KafkaTarget): Promise<void> {
  const security = target.security ?? plaintext;
  // A token that cannot be had is said so by its source (the token endpoint, the file), not as a refused login.
  if (security.sasl?.mechanism === 'OAUTHBEARER') await security.sasl.token();
  const probe = async (): Promise<unknown> => {
    const admin = createKafka({
      brokers: target.brokers,
      security,
      clientId: 'evp-check',
      logger: silent,
      quiet: true,
      retry: { retries: 0 },
    }).admin();
    try {
      await admin.connect();
      // A listener that wants SASL answers ApiVersions before authentication: ask for metadata too.
      await admin.describeCluster();
      return undefined;
    } catch (error) {
      return error ?? new Error('connection failed');
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
  };
  let failure = await probe();
  if (failure === undefined) return;
  let closedTwice = false;
  if (closedBeforeAnswer(failure)) {
    // A broker going down closes connections too: only a second close in a row is a mismatch.
    await sleep(500);
    const again = await probe();
    if (again === undefined) return;
    closedTwice = closedBeforeAnswer(again);
    failure = again;
  }
  const diagnosis = diagnoseKafkaFailure(failure, {
    brokers: target.brokers,
    security,
    variables: target.variables ?? environmentVariables,
    closedTwice,
  });
  if (diagnosis !== undefined) throw diagnosis;
}

/**
 * Connects kafkajs clients (admin, producer, consumer), after checking the security settings
 * (checkKafkaSecurity); when Kafka cannot be reached, says so naming the brokers.
 */
export async function connectKafka(
  target: KafkaTarget,
  ...clients: { connect(): Promise<void>; disconnect(): Promise<void> }[]
): Promise<void> {
  await checkKafkaSecurity(target);
  try {
    await Promise.all(clients.map((client) => client.connect()));
  } catch (error) {
    await Promise.allSettled(clients.map((client) => client.disconnect()));
    throw new KafkaError(
      kafkaErrorCodes.unreachable,
      `Kafka at ${target.brokers.join(',')} is unreachable (${coerceError(error).message}); start it with \`npx evp stack up\` or set KAFKA_BROKERS`,
      { cause: error, retriable: true },
    );
  }
}
