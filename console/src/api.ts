/**
 * The console's only way out: the public Events API on the same origin, with the key the user
 * signed in with. Errors keep the API's `{ error: { type, code, message, param } }` so a page can
 * say exactly what was wrong.
 */

export type Params = Record<string, string | number | readonly string[] | undefined | null>;

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly param?: string,
  ) {
    super(message);
  }
}

export interface Client {
  get<T>(path: string, params?: Params): Promise<T>;
  send<T>(method: 'POST' | 'PATCH' | 'DELETE', path: string, body?: unknown): Promise<T>;
}

export interface ListPage<T> {
  readonly object: 'list';
  readonly url: string;
  readonly has_more: boolean;
  readonly data: T[];
}

/** `?a=1&b=x,y` from the set values of `params` (lists joined with commas, as the API accepts). */
export function queryString(params: Params = {}): string {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) {
    if (value === undefined || value === null || value === '') continue;
    if (typeof value === 'string' || typeof value === 'number') search.set(name, String(value));
    else if (value.length > 0) search.set(name, value.join(','));
  }
  const text = search.toString();
  return text === '' ? '' : `?${text}`;
}

export function createClient(key: string, onUnauthorized: () => void): Client {
  const call = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    let response: Response;
    try {
      response = await fetch(path, {
        method,
        headers: {
          authorization: `Bearer ${key}`,
          accept: 'application/json',
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    } catch (error) {
      throw new ApiError(0, 'network_error', `The Events API could not be reached (${String(error)}).`);
    }
    const text = await response.text();
    let parsed: unknown;
    try {
      parsed = text === '' ? undefined : JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    if (!response.ok) {
      const error = (parsed as { error?: { code?: string; message?: string; param?: string } } | undefined)?.error;
      if (response.status === 401) onUnauthorized();
      throw new ApiError(
        response.status,
        error?.code ?? 'http_error',
        error?.message ?? `The API answered ${response.status} ${response.statusText}.`,
        error?.param,
      );
    }
    return parsed as T;
  };
  return {
    get: (path, params) => call('GET', `${path}${queryString(params)}`),
    send: (method, path, body) => call(method, path, body),
  };
}
