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

/** Every code this module can produce, for the documentation check. */
export const allErrorCodes: readonly string[] = ['EVP_CONFIG_INVALID', ...Object.values(stackErrorCodes)];

/** Normalises anything thrown into an Error (catch variables are `unknown`). */
export function coerceError(thrown: unknown): Error {
  if (thrown instanceof Error) return thrown;
  return new Error(typeof thrown === 'string' ? thrown : JSON.stringify(thrown));
}
