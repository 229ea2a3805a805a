import { Option } from 'commander';
import { apiSettings } from '../adapters/settings/api.js';
import { loadSetting } from '../adapters/settings/setting.js';
import { InputError, PipelineError } from '../adapters/errors.js';

/**
 * A small client of the Events API for commands: bearer auth, JSON in and out, and the API's
 * error answers turned into errors that say what to fix. It checks nothing the API checks.
 */

export interface ConnectionOptions {
  readonly apiUrl?: string;
  readonly key?: string;
}

/** `--api-url` and `--key`, read from EVP_API_URL and EVP_API_KEY when not given. */
export function connectionOptions(): Option[] {
  return [
    new Option('--api-url <url>', 'the Events API (default http://127.0.0.1:<API_PORT>)').env('EVP_API_URL'),
    new Option('--key <key>', 'an API key (evp_sk_…) of the organization').env('EVP_API_KEY'),
  ];
}

/** An error answer of the API: `{ error: { type, code, message, param } }`, or a status without one. */
export class ApiRequestError extends PipelineError<'EVP_INPUT_INVALID' | 'EVP_API_UNAVAILABLE'> {
  readonly status: number;
  readonly type: string | undefined;
  readonly apiCode: string | undefined;
  readonly param: string | undefined;

  constructor(status: number, message: string, details: { type?: string; apiCode?: string; param?: string } = {}) {
    // A refused request (4xx) is the caller's input to fix; the API failing (5xx) is not, and
    // both it and a 429 are worth retrying.
    super(status >= 500 ? 'EVP_API_UNAVAILABLE' : 'EVP_INPUT_INVALID', message, { retriable: status >= 500 || status === 429 });
    this.status = status;
    this.type = details.type;
    this.apiCode = details.apiCode;
    this.param = details.param;
  }
}

export interface RequestOptions {
  readonly query?: Record<string, string | number | undefined>;
  readonly body?: unknown;
}

export interface ApiClient {
  readonly url: string;
  request<T = Record<string, unknown>>(method: string, path: string, options?: RequestOptions): Promise<T>;
}

export interface ClientOptions {
  /** The flag that sets an API parameter, named after the `param` of an error about it. */
  readonly flagOf?: (param: string) => string | undefined;
  /** How long one request may take. @defaultValue 30,000 ms */
  readonly timeoutMs?: number;
}

/** The client for the connection flags: a missing key or a bad URL is an error before any request. */
export function apiClient(connection: ConnectionOptions, options: ClientOptions = {}): ApiClient {
  const key = connection.key?.trim();
  if (!key) {
    throw new InputError(
      'no API key: pass --key <key> or set EVP_API_KEY (create one with `evp keys create --org <org>`; it prints the key on its last line)',
    );
  }
  const url = apiBaseUrl(connection.apiUrl);
  const timeoutMs = options.timeoutMs ?? 30_000;

  return {
    url,
    async request<T>(method: string, path: string, request: RequestOptions = {}): Promise<T> {
      const target = new URL(`${url}${path}`);
      for (const [name, value] of Object.entries(request.query ?? {})) {
        if (value !== undefined) target.searchParams.set(name, String(value));
      }
      const headers: Record<string, string> = { authorization: `Bearer ${key}`, accept: 'application/json' };
      if (request.body !== undefined) headers['content-type'] = 'application/json';
      let response: Response;
      try {
        response = await fetch(target, {
          method,
          headers,
          ...(request.body === undefined ? {} : { body: JSON.stringify(request.body) }),
          signal: AbortSignal.timeout(timeoutMs),
        });
      } catch (error) {
        throw unreachable(url, error, timeoutMs);
      }
      const text = await response.text();
      const answer = parseJson(text);
      if (response.ok) {
        if (answer === undefined) throw new ApiRequestError(response.status, `the API at ${url} answered ${method} ${path} with no JSON`);
        return answer as T;
      }
      throw answerError(url, response, answer, text, options.flagOf);
    },
  };
}

function apiBaseUrl(given: string | undefined): string {
  if (given === undefined || given.trim() === '') return `http://127.0.0.1:${loadSetting(process.env, apiSettings, 'API_PORT')}`;
  let parsed: URL;
  try {
    parsed = new URL(given.trim());
  } catch {
    throw new InputError(`--api-url (or EVP_API_URL) must be a URL such as http://127.0.0.1:3000, got ${JSON.stringify(given)}`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')
    throw new InputError(`--api-url (or EVP_API_URL) must be an http or https URL, got ${JSON.stringify(given)}`);
  return parsed.href.replace(/\/+$/, '');
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function answerError(
  url: string,
  response: Response,
  answer: unknown,
  text: string,
  flagOf: ((param: string) => string | undefined) | undefined,
): ApiRequestError {
  const error = (answer as { error?: unknown } | undefined)?.error;
  if (typeof error === 'object' && error !== null && typeof (error as { message?: unknown }).message === 'string') {
    const { type, code, message, param } = error as { type?: string; code?: string; message: string; param?: string };
    const flag = param === undefined ? undefined : flagOf?.(param);
    const details = [
      ...(param === undefined ? [] : [`param: ${param}`]),
      ...(code === undefined ? [] : [`code: ${code}`]),
      ...(flag === undefined ? [] : [`flag: ${flag}`]),
    ];
    const hint = type === 'authentication_error' || type === 'permission_error' ? '; check --key or EVP_API_KEY' : '';
    return new ApiRequestError(response.status, `${message}${details.length > 0 ? ` (${details.join(', ')})` : ''}${hint}`, {
      ...(type === undefined ? {} : { type }),
      ...(code === undefined ? {} : { apiCode: code }),
      ...(param === undefined ? {} : { param }),
    });
  }
  const excerpt = text.trim().slice(0, 300);
  return new ApiRequestError(
    response.status,
    `the API at ${url} answered ${response.status} ${response.statusText}${excerpt ? `: ${excerpt}` : ''} (is --api-url the Events API?)`,
  );
}

function unreachable(url: string, error: unknown, timeoutMs: number): PipelineError {
  const thrown = error as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  const reason =
    thrown.name === 'TimeoutError'
      ? `no answer within ${timeoutMs / 1000} s`
      : (thrown.cause?.code ?? thrown.cause?.message ?? thrown.message ?? String(error));
  return new PipelineError(
    'EVP_API_UNAVAILABLE',
    `the Events API at ${url} is unreachable (${reason}); start it with \`evp api\`, or point --api-url (EVP_API_URL) at it`,
    { cause: error },
  );
}
