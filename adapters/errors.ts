import { pipelineErrors, type PipelineErrorCode } from '../core/error-catalogue.js';

/**
 * Every error the pipeline raises on purpose is a PipelineError with a stable `code` from the
 * catalogue (core/error-catalogue.ts), so a code that is not there does not compile. Callers
 * branch on `code` and `retriable`, never on message text; `retriable` defaults to the
 * catalogue's answer for the code.
 */
export interface ErrorContext {
  cause?: unknown;
  retriable?: boolean;
  [key: string]: unknown;
}

export class PipelineError<C extends PipelineErrorCode = PipelineErrorCode> extends Error {
  readonly code: C;
  readonly retriable: boolean;

  constructor(code: C, message: string, context: ErrorContext = {}) {
    const { cause, retriable = pipelineErrors[code].retriable, ...rest } = context;
    super(message, cause === undefined ? undefined : { cause });
    this.name = new.target.name;
    this.code = code;
    this.retriable = retriable;
    Object.assign(this, rest);
  }
}

/** The environment or a flag holds a value that cannot be used. Never retriable. */
export class ConfigError extends PipelineError<'EVP_CONFIG_INVALID'> {
  constructor(message: string, context: ErrorContext = {}) {
    super('EVP_CONFIG_INVALID', message, { ...context, retriable: false });
  }
}

/** A local stack service could not be fetched, started, reached or stopped. */
export class StackError extends PipelineError<(typeof stackErrorCodes)[keyof typeof stackErrorCodes]> {}

/** The stable codes of StackError, one per way the local stack can fail. */
export const stackErrorCodes = {
  toolMissing: 'EVP_STACK_TOOL_MISSING',
  fetchFailed: 'EVP_STACK_FETCH_FAILED',
  portTaken: 'EVP_STACK_PORT_TAKEN',
  startFailed: 'EVP_STACK_START_FAILED',
  notReady: 'EVP_STACK_NOT_READY',
  locked: 'EVP_STACK_LOCKED',
} as const satisfies Record<string, PipelineErrorCode>;

/** The schema registry could not be reached, or refused or failed a request. */
export class RegistryError extends PipelineError<(typeof registryErrorCodes)[keyof typeof registryErrorCodes]> {}

export const registryErrorCodes = {
  unreachable: 'EVP_REGISTRY_UNREACHABLE',
  requestFailed: 'EVP_REGISTRY_REQUEST_FAILED',
  unauthorized: 'EVP_REGISTRY_UNAUTHORIZED',
  incompatible: 'EVP_SCHEMA_INCOMPATIBLE',
  notRegistered: 'EVP_SCHEMA_NOT_REGISTERED',
  unknownSchemaId: 'EVP_SCHEMA_ID_UNKNOWN',
} as const satisfies Record<string, PipelineErrorCode>;

/** An event a producer handed over cannot be sent as it is. Never retriable: fix the event. */
export class EventError extends PipelineError<(typeof eventErrorCodes)[keyof typeof eventErrorCodes]> {}

export const eventErrorCodes = {
  typeUnknown: 'EVP_EVENT_TYPE_UNKNOWN',
  invalid: 'EVP_EVENT_INVALID',
  tooLarge: 'EVP_EVENT_TOO_LARGE',
} as const satisfies Record<string, PipelineErrorCode>;

/** Publishing failed after the event was accepted: the broker, the topic or the publisher's state. */
export class PublishError extends PipelineError<(typeof publishErrorCodes)[keyof typeof publishErrorCodes]> {}

export const publishErrorCodes = {
  topicMissing: 'EVP_TOPIC_MISSING',
  notAcknowledged: 'EVP_PUBLISH_NOT_ACKNOWLEDGED',
  bufferFull: 'EVP_PUBLISH_BUFFER_FULL',
  closed: 'EVP_PUBLISHER_CLOSED',
} as const satisfies Record<string, PipelineErrorCode>;

/** Kafka could not be reached by a command or a client. */
export class KafkaError extends PipelineError<(typeof kafkaErrorCodes)[keyof typeof kafkaErrorCodes]> {}

export const kafkaErrorCodes = {
  unreachable: 'EVP_KAFKA_UNREACHABLE',
  leaderless: 'EVP_KAFKA_NO_LEADER',
  authenticationFailed: 'EVP_KAFKA_AUTHENTICATION_FAILED',
  tlsFailed: 'EVP_KAFKA_TLS_FAILED',
} as const satisfies Record<string, PipelineErrorCode>;

/** A command-line input (a flag, a file, a line of a file) cannot be used. */
export class InputError extends PipelineError<'EVP_INPUT_INVALID'> {
  constructor(message: string, context: ErrorContext = {}) {
    super('EVP_INPUT_INVALID', message, { ...context, retriable: false });
  }
}

/** Normalises anything thrown into an Error (catch variables are `unknown`). */
export function coerceError(thrown: unknown): Error {
  if (thrown instanceof Error) return thrown;
  return new Error(typeof thrown === 'string' ? thrown : JSON.stringify(thrown));
}
