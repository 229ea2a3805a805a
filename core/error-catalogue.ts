/**
 * Every error code the platform gives out, in two families:
 * - `EVP_*`: the `code` of a PipelineError (adapters/errors.ts) that a library, a service or the
 *   `evp` command raises; `evp` prints it as `evp: error [EVP_…]` and exits with status 1.
 * - the Events API's `error.code` (api/errors.ts), with the HTTP status and `type` it is sent with.
 *
 * `retriable` says whether the same call can succeed later unchanged. Code types are the keys of
 * these tables, so a code missing here does not compile; docs/errors.md says what to do about
 * each, and test/core/error-catalogue.test.ts fails when the two lists differ.
 */

interface PipelineErrorEntry {
  readonly retriable: boolean;
  readonly meaning: string;
}

/** Whose fault an API error is: the caller's request, its credentials, what its key may do, or the API. */
export type ApiErrorType = 'invalid_request_error' | 'authentication_error' | 'permission_error' | 'api_error';

interface ApiErrorEntry {
  /** null: sent as an `error` event on a live tail that already answered 200. */
  readonly status: number | null;
  readonly type: ApiErrorType;
  readonly retriable: boolean;
  readonly meaning: string;
}

export const pipelineErrors = {
  EVP_CONFIG_INVALID: { retriable: false, meaning: 'An environment variable or flag holds a value that cannot be used.' },
  EVP_INPUT_INVALID: {
    retriable: false,
    meaning: 'A command-line flag, file or line cannot be used, or the Events API refused a request (4xx).',
  },
  EVP_STACK_TOOL_MISSING: { retriable: false, meaning: 'Java or Maven is missing or too old for the local stack.' },
  EVP_STACK_FETCH_FAILED: { retriable: true, meaning: 'Maven could not fetch the Kafka or registry artifacts.' },
  EVP_STACK_PORT_TAKEN: { retriable: false, meaning: 'A port the local stack needs is held by another process.' },
  EVP_STACK_START_FAILED: { retriable: false, meaning: 'A local stack service exited while starting.' },
  EVP_STACK_NOT_READY: { retriable: true, meaning: 'A local stack service did not answer its readiness probe in time.' },
  EVP_STACK_LOCKED: { retriable: true, meaning: 'Another `evp stack` command holds the stack lock.' },
  EVP_REGISTRY_UNREACHABLE: { retriable: true, meaning: 'The schema registry did not answer after retries.' },
  EVP_REGISTRY_UNAUTHORIZED: {
    retriable: false,
    meaning: 'The schema registry refused the credentials given, or asked for some (HTTP 401 or 403).',
  },
  EVP_REGISTRY_REQUEST_FAILED: { retriable: false, meaning: 'The schema registry answered with an unexpected 4xx.' },
  EVP_SCHEMA_INCOMPATIBLE: { retriable: false, meaning: "The registry refused a schema version under the subject's compatibility rule." },
  EVP_SCHEMA_NOT_REGISTERED: { retriable: false, meaning: "The entity's schema is not registered and the publisher may not register it." },
  EVP_SCHEMA_ID_UNKNOWN: { retriable: false, meaning: 'A record names a schema id the registry does not hold.' },
  EVP_EVENT_TYPE_UNKNOWN: { retriable: false, meaning: 'The event type is not in the catalogue; nothing was sent.' },
  EVP_EVENT_INVALID: { retriable: false, meaning: 'The event breaks its schema or an envelope rule; nothing was sent.' },
  EVP_EVENT_TOO_LARGE: { retriable: false, meaning: "The encoded event is larger than the topic's max.message.bytes." },
  EVP_TOPIC_MISSING: { retriable: false, meaning: "The entity's topic does not exist." },
  EVP_PUBLISH_NOT_ACKNOWLEDGED: { retriable: true, meaning: 'Kafka did not acknowledge the event within the retry budget.' },
  EVP_PUBLISH_BUFFER_FULL: { retriable: true, meaning: "The publisher's buffer stayed full: Kafka does not keep up." },
  EVP_PUBLISHER_CLOSED: { retriable: false, meaning: '`publish` was called after `close()`.' },
  EVP_KAFKA_UNREACHABLE: { retriable: true, meaning: 'Kafka could not be reached.' },
  EVP_KAFKA_AUTHENTICATION_FAILED: {
    retriable: false,
    meaning: 'Kafka refused the SASL credentials or mechanism, or the client and the listener disagree on SASL.',
  },
  EVP_KAFKA_TLS_FAILED: {
    retriable: false,
    meaning: 'The TLS handshake with Kafka failed: an untrusted, expired or misnamed certificate, or a listener that is not TLS.',
  },
  EVP_KAFKA_NO_LEADER: { retriable: true, meaning: 'A created topic still had a partition without a leader.' },
  EVP_SECRET_UNREADABLE: {
    retriable: false,
    meaning: 'A signing secret cannot be opened: another key sealed it, or it was altered or moved.',
  },
  EVP_API_UNAVAILABLE: {
    retriable: true,
    meaning: 'The Events API is unreachable, did not answer in time, or answered with a 5xx.',
  },
} as const satisfies Record<`EVP_${string}`, PipelineErrorEntry>;

/** `request_invalid` keeps the status of the framework's refusal: 400, or another 4xx. */
const frameworkStatus: number = 400;

export const apiErrors = {
  parameter_invalid: {
    status: 400,
    type: 'invalid_request_error',
    retriable: false,
    meaning: 'A parameter has a value the endpoint does not take; `param` names it.',
  },
  parameter_unknown: {
    status: 400,
    type: 'invalid_request_error',
    retriable: false,
    meaning: 'The request has a parameter the endpoint does not take.',
  },
  parameter_missing: {
    status: 400,
    type: 'invalid_request_error',
    retriable: false,
    meaning: 'A required parameter is missing, or an update names no field.',
  },
  parameter_out_of_range: {
    status: 400,
    type: 'invalid_request_error',
    retriable: false,
    meaning: 'A number is outside its allowed range, or not finite.',
  },
  parameter_invalid_integer: {
    status: 400,
    type: 'invalid_request_error',
    retriable: false,
    meaning: 'A parameter that takes a whole number got something else.',
  },
  parameter_invalid_empty: {
    status: 400,
    type: 'invalid_request_error',
    retriable: false,
    meaning: 'A parameter that must not be empty is empty.',
  },
  event_type_unknown: {
    status: 400,
    type: 'invalid_request_error',
    retriable: false,
    meaning: 'No event type of the catalogue matches the one given.',
  },
  entity_type_unknown: {
    status: 400,
    type: 'invalid_request_error',
    retriable: false,
    meaning: 'The entity type is not in the catalogue.',
  },
  cursor_unknown: {
    status: 400,
    type: 'invalid_request_error',
    retriable: false,
    meaning: 'The page cursor names nothing the list holds.',
  },
  destination_limit_reached: {
    status: 400,
    type: 'invalid_request_error',
    retriable: false,
    meaning: 'The organization has as many destinations as it may.',
  },
  url_not_canonical: {
    status: 400,
    type: 'invalid_request_error',
    retriable: false,
    meaning: 'The request target could be read as another path.',
  },
  url_invalid: {
    status: 400,
    type: 'invalid_request_error',
    retriable: false,
    meaning: 'A `%` in the URL does not start a `%XX` escape.',
  },
  body_invalid: {
    status: 400,
    type: 'invalid_request_error',
    retriable: false,
    meaning: 'The body is empty under a JSON content type, or does not match its length.',
  },
  body_invalid_json: { status: 400, type: 'invalid_request_error', retriable: false, meaning: 'The body is not valid JSON.' },
  request_invalid: {
    status: frameworkStatus,
    type: 'invalid_request_error',
    retriable: false,
    meaning: 'The request is not valid HTTP, cannot be routed, or the framework refused it.',
  },
  api_key_missing: { status: 401, type: 'authentication_error', retriable: false, meaning: 'The request carries no API key.' },
  api_key_invalid: {
    status: 401,
    type: 'authentication_error',
    retriable: false,
    meaning: 'The API key is malformed, unknown or revoked.',
  },
  event_invalid: {
    status: 400,
    type: 'invalid_request_error',
    retriable: false,
    meaning:
      "An event to publish does not match its schema, names an unknown type or is over its topic's size limit; `details` lists every problem.",
  },
  idempotency_key_reused: {
    status: 409,
    type: 'invalid_request_error',
    retriable: false,
    meaning: 'The Idempotency-Key came with another request within 24 hours.',
  },
  idempotency_key_in_flight: {
    status: 409,
    type: 'invalid_request_error',
    retriable: true,
    meaning: 'Another request with the Idempotency-Key is publishing now.',
  },
  publish_failed: {
    status: 503,
    type: 'api_error',
    retriable: true,
    meaning: 'Kafka did not acknowledge the events; retry with the same Idempotency-Key.',
  },
  scope_missing: {
    status: 403,
    type: 'permission_error',
    retriable: false,
    meaning: 'The API key lacks the scope the route needs; the message names it.',
  },
  resource_missing: {
    status: 404,
    type: 'invalid_request_error',
    retriable: false,
    meaning: 'No such object in the organization, or no such URL.',
  },
  console_not_built: {
    status: 404,
    type: 'invalid_request_error',
    retriable: false,
    meaning: 'The web console was asked for but is not built.',
  },
  request_timeout: {
    status: 408,
    type: 'invalid_request_error',
    retriable: true,
    meaning: 'The headers or the whole request did not arrive in time.',
  },
  delivery_in_flight: {
    status: 409,
    type: 'invalid_request_error',
    retriable: true,
    meaning: 'An attempt of the delivery is in flight.',
  },
  body_too_large: { status: 413, type: 'invalid_request_error', retriable: false, meaning: 'The body is over 1 MiB.' },
  url_too_long: { status: 414, type: 'invalid_request_error', retriable: false, meaning: 'A part of the URL path is too long.' },
  media_type_unsupported: {
    status: 415,
    type: 'invalid_request_error',
    retriable: false,
    meaning: 'The body is not application/json.',
  },
  rate_limited: {
    status: 429,
    type: 'invalid_request_error',
    retriable: true,
    meaning: 'Too many requests in the window; `Retry-After` says when to try again.',
  },
  stream_limit_reached: {
    status: 429,
    type: 'invalid_request_error',
    retriable: true,
    meaning: 'Too many live tails are open at once for the key, organization or address.',
  },
  headers_too_large: {
    status: 431,
    type: 'invalid_request_error',
    retriable: false,
    meaning: 'The request line and headers are over 16 KiB.',
  },
  internal_error: { status: 500, type: 'api_error', retriable: true, meaning: 'The API failed; the message has the request id.' },
  secret_unreadable: {
    status: 500,
    type: 'api_error',
    retriable: false,
    meaning: "A destination's signing secret cannot be opened with the API's key.",
  },
  service_unavailable: {
    status: 503,
    type: 'api_error',
    retriable: true,
    meaning: 'PostgreSQL (or, for schemas, the registry) is unreachable.',
  },
  client_too_slow: {
    status: null,
    type: 'api_error',
    retriable: true,
    meaning: 'A live tail was closed because its client read too slowly.',
  },
  stream_failed: {
    status: null,
    type: 'api_error',
    retriable: true,
    meaning: 'A live tail was closed because reading the stored events failed.',
  },
} as const satisfies Record<string, ApiErrorEntry>;

export type PipelineErrorCode = keyof typeof pipelineErrors;
export type ApiErrorCode = keyof typeof apiErrors;

/** The HTTP status a code is sent with (any 4xx for `request_invalid`). */
export type ApiErrorStatus<C extends ApiErrorCode> = (typeof apiErrors)[C]['status'];
export type ApiErrorTypeOf<C extends ApiErrorCode> = (typeof apiErrors)[C]['type'];

export const errorCatalogue = { pipeline: pipelineErrors, api: apiErrors } as const;
