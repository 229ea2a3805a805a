import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { isConnectionError } from '../adapters/database.js';
import type { ApiErrorCode, ApiErrorStatus, ApiErrorType, ApiErrorTypeOf, apiErrors } from '../core/error-catalogue.js';
import { stringRules } from './schemas.js';

export type { ApiErrorType };

/**
 * Every error the API answers with has one shape, `{ error: { type, code, message, param? } }`:
 * `type` says whose fault it is (`invalid_request_error`, `authentication_error`, `permission_error`, `api_error`),
 * `code` is stable for programs, `message` is for people, and `param` names the parameter at
 * fault. Nothing else is sent: no stack, no SQL, no driver message. The code, with the status and
 * type that go with it, comes from the catalogue (core/error-catalogue.ts): a code that is not
 * there, or a status or type other than its own, does not compile.
 */
export class ApiError<C extends ApiErrorCode = ApiErrorCode> extends Error {
  constructor(
    readonly statusCode: NonNullable<ApiErrorStatus<C>>,
    readonly type: ApiErrorTypeOf<C>,
    readonly code: C,
    message: string,
    readonly param?: string,
    /** Every problem, when there are several (an event with three wrong fields). */
    readonly details?: readonly { readonly param: string; readonly message: string }[],
  ) {
    super(message);
  }

  toJSON(): {
    error: { type: ApiErrorType; code: ApiErrorCode; message: string; param?: string; details?: { param: string; message: string }[] };
  } {
    return {
      error: {
        type: this.type,
        code: this.code,
        message: this.message,
        ...(this.param === undefined ? {} : { param: this.param }),
        ...(this.details === undefined ? {} : { details: this.details.map((detail) => ({ ...detail })) }),
      },
    };
  }
}

/** The codes of a 400 that names a parameter. */
type InvalidParameterCode = {
  [C in ApiErrorCode]: (typeof apiErrors)[C] extends { status: 400; type: 'invalid_request_error' } ? C : never;
}[ApiErrorCode];

export function invalidParameter(param: string, message: string, code: InvalidParameterCode = 'parameter_invalid'): ApiError {
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

/** The key is good but may not do this: 403 naming the scope the route needs. */
export function scopeMissing(needed: string, held: readonly string[]): ApiError {
  return new ApiError(
    403,
    'permission_error',
    'scope_missing',
    `This API key lacks the \`${needed}\` scope this request needs (it has ${held.map((scope) => `\`${scope}\``).join(', ')}). Use a key with it, or create one: evp keys create --org <org> --scope ${needed}.`,
  );
}

interface AjvError {
  readonly keyword: string;
  readonly instancePath: string;
  readonly params: Record<string, unknown>;
  readonly message?: string;
  /** Set when a key of an object, not its value, broke the schema of its keys. */
  readonly propertyName?: string;
}

/** What people are told a parameter must look like, where the schema's own words would be cryptic. */
const expectations: Record<string, string> = {
  starting_after: 'the id of an item of a previous page (evt_… for events, dst_… for destinations, dlv_… for deliveries)',
  ending_before: 'the id of an item of a previous page (evt_… for events, dst_… for destinations, dlv_… for deliveries)',
  id: 'an id of the kind the path names: evt_… (events), dst_… (destinations) or dlv_… (deliveries), each + a UUIDv7',
  last_event_id: 'an event id: evt_ + a UUIDv7',
  'last-event-id': 'an event id: evt_ + a UUIDv7',
  'created[gte]': 'an RFC 3339 time such as 2026-11-24T10:30:00Z',
  'created[gt]': 'an RFC 3339 time such as 2026-11-24T10:30:00Z',
  'created[lte]': 'an RFC 3339 time such as 2026-11-24T10:30:00Z',
  'created[lt]': 'an RFC 3339 time such as 2026-11-24T10:30:00Z',
  since: 'an RFC 3339 time such as 2026-11-24T10:30:00Z',
  until: 'an RFC 3339 time such as 2026-11-24T10:30:00Z',
};

/** The character rules of the request strings (schemas.ts), by their pattern. */
const characterRules = new Map(Object.values(stringRules).map(({ pattern, rule }) => [pattern, rule]));

const typeWords: Record<string, string> = {
  string: 'a string',
  object: 'an object',
  array: 'a list',
  boolean: 'true or false',
  number: 'a number',
  integer: 'a whole number',
  null: 'null',
};

/** Turns a schema validation failure into the 400 that names the parameter. */
export function validationError(errors: readonly AjvError[]): ApiError {
  const error = mostTelling(errors);
  if (error === undefined) return new ApiError(400, 'invalid_request_error', 'parameter_invalid', 'The request is invalid.');
  // Nested fields (a body's webhook.url) are named with dots; a list is named, not its item. A
  // key is taken as it came (ajv escapes only ~ and /), shown with its controls escaped.
  const param = printable(
    error.instancePath
      .split('/')
      .slice(1)
      .filter((segment) => !/^\d+$/.test(segment))
      .map((segment) => segment.replaceAll('~1', '/').replaceAll('~0', '~'))
      .join('.'),
  );
  const within = (name: string) => (param === '' ? name : `${param}.${name}`);
  if (error.keyword === 'additionalProperties') {
    const unknown = within(printable(String(error.params['additionalProperty'])));
    return invalidParameter(unknown, `Received unknown parameter: ${unknown}.`, 'parameter_unknown');
  }
  if (error.keyword === 'required') {
    const missing = within(String(error.params['missingProperty']));
    return invalidParameter(missing, `Missing required parameter: ${missing}.`, 'parameter_missing');
  }
  if (error.keyword === 'minProperties') {
    return invalidParameter(
      param,
      param === '' ? 'Send at least one field to change.' : `${param} needs at least one field.`,
      'parameter_missing',
    );
  }
  const name = param === '' ? 'the request' : param;
  const rule = error.keyword === 'pattern' ? characterRules.get(String(error.params['pattern'])) : undefined;
  if (rule !== undefined) {
    return invalidParameter(param, error.propertyName === undefined ? `${name} ${rule}.` : `The names in ${name} ${rule}.`);
  }
  if (error.keyword === 'finite') return invalidParameter(param, `${name} must be a finite number.`, 'parameter_out_of_range');
  if (error.keyword === 'minimum' || error.keyword === 'maximum') {
    return invalidParameter(param, `${name} ${String(error.message)}.`, 'parameter_out_of_range');
  }
  if (error.keyword === 'type') {
    const types = String(error.params['type']).split(',');
    const expected = types.map((type) => typeWords[type] ?? type).join(' or ');
    const code = types.includes('integer') ? 'parameter_invalid_integer' : 'parameter_invalid';
    return invalidParameter(param, `${param === '' ? 'The request body' : name} must be ${expected}.`, code);
  }
  if (error.keyword === 'minLength') return invalidParameter(param, `${name} must not be empty.`, 'parameter_invalid_empty');
  if (error.keyword === 'maxLength') {
    return invalidParameter(param, `${name} must be at most ${String(error.params['limit'])} characters long.`);
  }
  const expected = expectations[param];
  if (expected !== undefined) return invalidParameter(param, `${name} must be ${expected}.`);
  if (error.keyword === 'enum' && Array.isArray(error.params['allowedValues'])) {
    return invalidParameter(param, `${name} must be one of ${error.params['allowedValues'].map(String).join(', ')}.`);
  }
  return invalidParameter(param, `${name} ${String(error.message)}.`);
}

/**
 * ajv reports a failed union (`description`: null or a string) as each branch's failure, then
 * `anyOf`. A failure other than the type says what is wrong (a control character in the string);
 * when every branch failed on its type, the answer lists the types.
 */
function mostTelling(errors: readonly AjvError[]): AjvError | undefined {
  const first = errors[0];
  const union = errors.findIndex((error) => error.keyword === 'anyOf');
  const anyOf = errors[union];
  if (first?.keyword !== 'type' || anyOf === undefined) return first;
  const branches = errors.slice(0, union);
  const types = branches.filter((error) => error.instancePath === anyOf.instancePath).map((error) => String(error.params['type']));
  return branches.find((error) => error.keyword !== 'type') ?? { ...anyOf, keyword: 'type', params: { type: types.join(',') } };
}

/** A parameter name as it can be shown: controls and unpaired surrogates escaped, at most 200 characters. */
function printable(name: string): string {
  const escaped = name.replace(
    // eslint-disable-next-line no-control-regex -- finding control characters is the point
    /[\u0000-\u001f\u007f]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g,
    (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
  return escaped.length > 200 ? `${escaped.slice(0, 200)}…` : escaped;
}

/** Fastify's error handler: known errors as they are, everything else as a bare 500 or 503. */
export function handleError(this: unknown, thrown: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  let error: ApiError;
  if (thrown instanceof ApiError) {
    // instanceof cannot tell the code, so it types it `any`: it is one of the catalogue's.
    error = thrown as ApiError;
  } else if (thrown.validation) {
    error = validationError(thrown.validation);
  } else if (thrown.statusCode !== undefined && thrown.statusCode >= 400 && thrown.statusCode < 500) {
    error = fromFrameworkError(thrown);
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

/** The API's codes for fastify's own refusals; any other 4xx of the framework is `request_invalid`. */
const frameworkCodes: Record<string, { code: ApiErrorCode; message?: string }> = {
  FST_ERR_CTP_BODY_TOO_LARGE: { code: 'body_too_large', message: 'The request body is larger than the API accepts (1 MiB).' },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: { code: 'media_type_unsupported', message: 'Send the body as application/json.' },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: { code: 'body_invalid', message: 'The body does not match its Content-Length.' },
  FST_ERR_CTP_EMPTY_JSON_BODY: { code: 'body_invalid', message: 'The body is empty while Content-Type says application/json.' },
  FST_ERR_CTP_INVALID_JSON_BODY: { code: 'body_invalid_json' },
  FST_ERR_CTP_MISSING_CONTENT_TYPE: { code: 'body_invalid', message: 'A body needs a Content-Type: application/json.' },
  FST_ERR_BAD_URL: { code: 'url_invalid', message: 'The URL is not valid: a percent sign must start a %XX escape.' },
  FST_ERR_MAX_PARAM_LENGTH: { code: 'url_too_long', message: 'A part of the URL path is too long.' },
  FST_ERR_ASYNC_CONSTRAINT: { code: 'request_invalid', message: 'The request could not be routed.' },
};

/** A fastify 4xx in the API's shape: its status kept, a stable code, and words that do not echo the request. */
function fromFrameworkError(thrown: FastifyError): ApiError {
  const known = frameworkCodes[thrown.code];
  const status = thrown.statusCode ?? 400;
  // A JSON parser's message says where the body broke, which is worth passing on; nothing else is repeated.
  const message =
    known?.message ?? (thrown.code === 'FST_ERR_CTP_INVALID_JSON_BODY' ? `The body is not valid JSON: ${thrown.message}` : thrown.message);
  return new ApiError(status, 'invalid_request_error', known?.code ?? 'request_invalid', message);
}

/**
 * Fastify's `frameworkErrors`: what the router refuses before any route or hook runs (a URL
 * that does not decode, a path parameter past the router's length) answered like any error.
 */
export function frameworkError(thrown: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  const known = frameworkCodes[thrown.code];
  const status = thrown.code === 'FST_ERR_MAX_PARAM_LENGTH' ? 414 : 400;
  const error = new ApiError(
    status,
    'invalid_request_error',
    known?.code ?? 'request_invalid',
    known?.message ?? 'The request is invalid.',
  );
  void reply.header('request-id', request.id).code(status).type('application/json').send(error.toJSON());
}

/** What Node's HTTP parser refuses before fastify sees a request, by the parser's code. */
const clientErrors: Record<string, { status: number; code: ApiErrorCode; message: string }> = {
  ERR_HTTP_REQUEST_TIMEOUT: {
    status: 408,
    code: 'request_timeout',
    message: 'The request was not received in time; send it whole, without pauses.',
  },
  HPE_HEADER_OVERFLOW: {
    status: 431,
    code: 'headers_too_large',
    message: 'The request line and headers are larger than the API accepts (16 KiB).',
  },
};

/**
 * Fastify's `clientErrorHandler`: the socket-level answer (a request sent too slowly, headers too
 * large, bytes that are not HTTP) in the API's error shape, then the connection is closed.
 */
export function writeClientError(thrown: Error & { code?: string }, socket: Duplex): void {
  if (thrown.code === 'ECONNRESET' || socket.destroyed) return;
  const known = clientErrors[thrown.code ?? ''] ?? { status: 400, code: 'request_invalid', message: 'The request is not valid HTTP.' };
  const body = JSON.stringify(new ApiError(known.status, 'invalid_request_error', known.code, known.message).toJSON());
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${known.status} ${STATUS_CODES[known.status] ?? 'Error'}\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    );
  }
  socket.destroy(thrown);
}
