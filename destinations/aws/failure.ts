import type { SendOutcome } from '../send-outcome.js';

/** What an AWS SDK error carries, as far as it is read here. */
interface AwsErrorShape {
  readonly name?: unknown;
  readonly code?: unknown;
  readonly message?: unknown;
  readonly cause?: unknown;
  readonly $metadata?: { readonly httpStatusCode?: unknown };
}

/** Errors that mean the access key or its secret was refused. */
const credentialErrors = new Set([
  'InvalidAccessKeyId',
  'SignatureDoesNotMatch',
  'InvalidClientTokenId',
  'UnrecognizedClientException',
  'InvalidSignatureException',
  'IncompleteSignature',
  'ExpiredToken',
  'AuthFailure',
]);

/** Socket-level failures: all told in the same words, so the delivery log maps no host's open ports. */
const unreachableCodes = new Set(['ECONNREFUSED', 'ECONNRESET', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'EPIPE']);

/**
 * A failed request to an AWS service as an attempt outcome: `service` (`S3`, `SQS`, `Kinesis`)
 * and `target` (`bucket b1`) name it. What the service answered is told as it said it (its
 * error name, status and message, cut short); refused credentials name the settings to fix; a
 * refused internal address keeps the guard's words; any other failure to connect is one message.
 * Never the secret: the SDK's errors hold signatures at most, which this does not copy.
 */
export function describeAwsFailure(service: string, target: string, thrown: unknown, timeoutMs: number, started: number): SendOutcome {
  const durationMs = Math.round(performance.now() - started);
  const error = (thrown ?? {}) as AwsErrorShape;
  const name = typeof error.name === 'string' ? error.name : 'Error';
  const status = typeof error.$metadata?.httpStatusCode === 'number' ? error.$metadata.httpStatusCode : undefined;
  const code = socketCode(error);
  if (code === 'blocked_address') return { result: { kind: 'error', code }, durationMs, error: messageOf(error) };
  const unreachable = code !== undefined && unreachableCodes.has(code);
  if (!unreachable && (name === 'TimeoutError' || name === 'AbortError' || code === 'ETIMEDOUT' || name === 'RequestTimeout')) {
    return { result: { kind: 'timeout' }, durationMs, error: `${service} did not answer the write to ${target} within ${timeoutMs} ms` };
  }
  if (status === undefined || unreachable) {
    return {
      result: { kind: 'error', code: 'aws_unreachable' },
      durationMs,
      error: `could not reach ${service} to write to ${target}, or it gave no answer; check the destination's endpoint and region, and that the service is up and reachable from the pipeline`,
    };
  }
  if (credentialErrors.has(name) || status === 401) {
    return {
      result: { kind: 'error', code: 'aws_credentials_refused' },
      durationMs,
      statusCode: status,
      error: `${service} refused the destination's credentials (${name}); check access_key_id and secret_access_key`,
    };
  }
  const said = messageOf(error);
  return {
    result: { kind: 'error', code: name },
    durationMs,
    statusCode: status,
    error: `${service} refused the write to ${target} (${name}, HTTP ${status})${said === '' || said === name ? '' : `: ${said}`}`,
  };
}

function socketCode(error: AwsErrorShape): string | undefined {
  for (let at: AwsErrorShape | undefined = error, depth = 0; at !== undefined && depth < 4; at = at.cause as AwsErrorShape, depth++) {
    if (typeof at.code === 'string') return at.code;
  }
  return undefined;
}

/** The service's words, on one line and at most 300 characters. */
function messageOf(error: AwsErrorShape): string {
  const text = typeof error.message === 'string' ? error.message.replace(/\s+/g, ' ').trim() : '';
  return text.length > 300 ? `${text.slice(0, 297)}...` : text;
}
