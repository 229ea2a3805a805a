/**
 * Every error the pipeline raises on purpose is a PipelineError with a stable `code`.
 * Callers branch on `code` and `retriable`, never on message text. The codes are listed in
 * docs/errors.md; test/adapters/errors.test.ts fails when one is missing there.
 */
export interface ErrorContext {
  cause?: unknown;
  retriable?: boolean;
  [key: string]: unknown;
}

export class PipelineError extends Error {
  readonly code: string;
  readonly retriable: boolean;

  constructor(code: string, message: string, context: ErrorContext = {}) {
    const { cause, retriable = false, ...rest } = context;
    super(message, cause === undefined ? undefined : { cause });
    this.name = new.target.name;
    this.code = code;
    this.retriable = retriable;
    Object.assign(this, rest);
  }
}

/** The environment or a flag holds a value that cannot be used. Never retriable. */
export class ConfigError extends PipelineError {
  constructor(message: string, context: ErrorContext = {}) {
    super('EVP_CONFIG_INVALID', message, { ...context, retriable: false });
  }
}

/** A local stack service could not be fetched, started, reached or stopped. */
export class StackError extends PipelineError {}

/** The stable codes of StackError, one per way the local stack can fail. */
export const stackErrorCodes = {
  toolMissing: 'EVP_STACK_TOOL_MISSING',
  fetchFailed: 'EVP_STACK_FETCH_FAILED',
  portTaken: 'EVP_STACK_PORT_TAKEN',
  startFailed: 'EVP_STACK_START_FAILED',
  notReady: 'EVP_STACK_NOT_READY',
  locked: 'EVP_STACK_LOCKED',
} as const;

/** The schema registry could not be reached, or refused or failed a request. */
export class RegistryError extends PipelineError {}

export const registryErrorCodes = {
  unreachable: 'EVP_REGISTRY_UNREACHABLE',
  requestFailed: 'EVP_REGISTRY_REQUEST_FAILED',
  incompatible: 'EVP_SCHEMA_INCOMPATIBLE',
  notRegistered: 'EVP_SCHEMA_NOT_REGISTERED',
  unknownSchemaId: 'EVP_SCHEMA_ID_UNKNOWN',
} as const;

/** An event a producer handed over cannot be sent as it is. Never retriable: fix the event. */
export class EventError extends PipelineError {}

export const eventErrorCodes = {
  typeUnknown: 'EVP_EVENT_TYPE_UNKNOWN',
  invalid: 'EVP_EVENT_INVALID',
  tooLarge: 'EVP_EVENT_TOO_LARGE',
} as const;

/** Publishing failed after the event was accepted: the broker, the topic or the publisher's state. */
export class PublishError extends PipelineError {}

export const publishErrorCodes = {
  topicMissing: 'EVP_TOPIC_MISSING',
  notAcknowledged: 'EVP_PUBLISH_NOT_ACKNOWLEDGED',
  bufferFull: 'EVP_PUBLISH_BUFFER_FULL',
  closed: 'EVP_PUBLISHER_CLOSED',
} as const;

/** Kafka could not be reached by a command or a client. */
export class KafkaError extends PipelineError {}

export const kafkaErrorCodes = {
  unreachable: 'EVP_KAFKA_UNREACHABLE',
  leaderless: 'EVP_KAFKA_NO_LEADER',
} as const;

/** A command-line input (a flag, a file, a line of a file) cannot be used. */
export class InputError extends PipelineError {
  constructor(message: string, context: ErrorContext = {}) {
    super('EVP_INPUT_INVALID', message, { ...context, retriable: false });
  }
}

/** Every code this module can produce, for the documentation check. */
export const allErrorCodes: readonly string[] = [
  'EVP_CONFIG_INVALID',
  'EVP_INPUT_INVALID',
  ...Object.values(stackErrorCodes),
  ...Object.values(registryErrorCodes),
  ...Object.values(eventErrorCodes),
  ...Object.values(publishErrorCodes),
  ...Object.values(kafkaErrorCodes),
];

/** Normalises anything thrown into an Error (catch variables are `unknown`). */
export function coerceError(thrown: unknown): Error {
  if (thrown instanceof Error) return thrown;
  return new Error(typeof thrown === 'string' ? thrown : JSON.stringify(thrown));
}
