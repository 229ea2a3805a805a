import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { isConnectionError } from '../adapters/database.js';

/**
 * Every error the API answers with has one shape, `{ error: { type, code, message, param? } }`:
 * `type` says whose fault it is (`invalid_request_error`, `authentication_error`, `api_error`),
 * `code` is stable for programs, `message` is for people, and `param` names the parameter at
 * fault. Nothing else is sent: no stack, no SQL, no driver message.
 */
export type ApiErrorType = 'invalid_request_error' | 'authentication_error' | 'api_error';

export class ApiError extends Error {
  constructor(
    readonly statusCode: number,
    readonly type: ApiErrorType,
    readonly code: string,
    message: string,
    readonly param?: string,
  ) {
    super(message);
  }

  toJSON(): { error: { type: ApiErrorType; code: string; message: string; param?: string } } {
    return {
      error: { type: this.type, code: this.code, message: this.message, ...(this.param === undefined ? {} : { param: this.param }) },
    };
  }
}

export function invalidParameter(param: string, message: string, code = 'parameter_invalid'): ApiError {
  return new ApiError(400, 'invalid_request_error', code, message, param === '' ? undefined : param);
}

/** A page is read after one cursor or before one, never between two. */
export function refuseTwoCursors(query: {
  readonly starting_after?: string | undefined;
  readonly ending_before?: string | undefined;
}): void {
  if (query.starting_after !== undefined && query.ending_before !== undefined) {
    throw invalidParameter('ending_before', 'Use starting_after or ending_before, not both.');
  }
}

/** The list's cursor (`starting_after` or `ending_before`, whichever was given) names nothing it holds. */
export function unknownCursor(query: { readonly starting_after?: string | undefined }, mustBe: string): ApiError {
  const param = query.starting_after !== undefined ? 'starting_after' : 'ending_before';
  return invalidParameter(param, `${param} must be ${mustBe}.`, 'cursor_unknown');
}

export function resourceMissing(message: string, param?: string): ApiError {
  return new ApiError(404, 'invalid_request_error', 'resource_missing', message, param);
}

export function unauthorized(code: 'api_key_missing' | 'api_key_invalid', message: string): ApiError {
  return new ApiError(401, 'authentication_error', code, message);
}

interface AjvError {
  readonly keyword: string;
  readonly instancePath: string;
  readonly params: Record<string, unknown>;
  readonly message?: string;
}

/** What people are told a parameter must look like, where the schema's own words would be cryptic. */
const expectations: Record<string, string> = {
  starting_after: 'the id of an item of a previous page (evt_… for events, dst_… for destinations, dlv_… for deliveries)',
  ending_before: 'the id of an item of a previous page (evt_… for events, dst_… for destinations, dlv_… for deliveries)',
  id: 'an id of the kind the path names: evt_… (events), dst_… (destinations) or dlv_… (deliveries), each + a UUIDv7',
  'created[gte]': 'an RFC 3339 time such as 2026-11-24T10:30:00Z',
  'created[gt]': 'an RFC 3339 time such as 2026-11-24T10:30:00Z',
  'created[lte]': 'an RFC 3339 time such as 2026-11-24T10:30:00Z',
  'created[lt]': 'an RFC 3339 time such as 2026-11-24T10:30:00Z',
};

/** Turns a schema validation failure into the 400 that names the parameter. */
export function validationError(errors: readonly AjvError[]): ApiError {
  const error = errors[0];
  if (error === undefined) return new ApiError(400, 'invalid_request_error', 'parameter_invalid', 'The request is invalid.');
  // Nested fields (a body's webhook.url) are named with dots; a list is named, not its item.
  const param = error.instancePath
    .split('/')
    .slice(1)
    .filter((segment) => !/^\d+$/.test(segment))
    .map((segment) => decodeURIComponent(segment).replaceAll('~1', '/').replaceAll('~0', '~'))
    .join('.');
  const within = (name: string) => (param === '' ? name : `${param}.${name}`);
  if (error.keyword === 'additionalProperties') {
    const unknown = within(String(error.params['additionalProperty']));
    return invalidParameter(unknown, `Received unknown parameter: ${unknown}.`, 'parameter_unknown');
  }
  if (error.keyword === 'required') {
    const missing = within(String(error.params['missingProperty']));
    return invalidParameter(missing, `Missing required parameter: ${missing}.`, 'parameter_missing');
  }
  const name = param === '' ? 'the request' : param;
  if (error.keyword === 'minimum' || error.keyword === 'maximum') {
    return invalidParameter(param, `${name} ${String(error.message)}.`, 'parameter_out_of_range');
  }
  if (error.keyword === 'type' && error.params['type'] === 'integer') {
    return invalidParameter(param, `${name} must be a whole number.`, 'parameter_invalid_integer');
  }
  if (error.keyword === 'minLength') return invalidParameter(param, `${name} must not be empty.`, 'parameter_invalid_empty');
  const expected = expectations[param];
  if (expected !== undefined) return invalidParameter(param, `${name} must be ${expected}.`);
  return invalidParameter(param, `${name} ${String(error.message)}.`);
}

/** Fastify's error handler: known errors as they are, everything else as a bare 500 or 503. */
export function handleError(this: unknown, thrown: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  let error: ApiError;
  if (thrown instanceof ApiError) {
    error = thrown;
  } else if (thrown.validation) {
    error = validationError(thrown.validation);
  } else if (thrown.statusCode !== undefined && thrown.statusCode >= 400 && thrown.statusCode < 500) {
    // Fastify's own 4xx: a body that is not JSON, a header too large, a bad URL.
    error = new ApiError(thrown.statusCode, 'invalid_request_error', 'request_invalid', thrown.message);
  } else if (isConnectionError(thrown)) {
    request.log.warn({ err: thrown }, 'database unreachable while answering');
    error = new ApiError(
      503,
      'api_error',
      'service_unavailable',
      `The event store is unreachable; try again shortly (request ${request.id}).`,
    );
  } else {
    request.log.error({ err: thrown }, 'request failed');
    error = new ApiError(500, 'api_error', 'internal_error', `Something went wrong on our side (request ${request.id}).`);
  }
  if (error.statusCode === 503) void reply.header('retry-after', '5');
  void reply.code(error.statusCode).type('application/json').send(error.toJSON());
}
