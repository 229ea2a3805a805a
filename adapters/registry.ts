import { setTimeout as sleep } from 'node:timers/promises';
import { Agent, fetch as undiciFetch } from 'undici';
import { describeTlsFailure, tlsFailureCode } from '../core/certificate-codes.js';
import { redactUrl } from '../core/redact-url.js';
import { nextAttempt, type RetrySchedule } from '../core/retry.js';
import { RegistryError, coerceError, registryErrorCodes } from './errors.js';

/**
 * A client of the Confluent Schema Registry API (Apicurio serves it under /apis/ccompat/v7), with
 * just the calls the pipeline makes. Connection failures, 5xx and 429 are retried with backoff;
 * after the budget the error names the registry's URL.
 */
export interface RegistryClientOptions {
  /** The API base, e.g. http://127.0.0.1:8081/apis/ccompat/v7. */
  readonly url: string;
  /** @defaultValue 5 retries from 200 ms, at most 3 s apart */
  readonly retry?: RetrySchedule;
  /** Per request, in ms. @defaultValue 10000 */
  readonly requestTimeoutMs?: number;
  readonly fetchImpl?: typeof fetch;
  /** How the client proves itself to the registry and which CA it trusts. */
  readonly auth?: RegistryAuth | undefined;
}

/**
 * Credentials for a registry that asks for them: HTTP basic (Confluent Cloud's API key and secret)
 * or a bearer token, asked for at every request so a refreshed one is used; and PEM certificates
 * to trust for an https registry with a private CA.
 */
export interface RegistryAuth {
  readonly basic?: { readonly username: string; readonly password: string } | undefined;
  readonly bearer?: (() => Promise<string>) | undefined;
  readonly ca?: string | undefined;
}

export interface RegisteredSchema {
  readonly id: number;
  readonly version: number;
  readonly schema: string;
}

/** Why the registry found a schema incompatible; `pointer` is a JSON pointer into the new schema. */
export interface IncompatibilityCause {
  readonly description: string;
  readonly pointer?: string | undefined;
}

export interface CompatibilityResult {
  readonly compatible: boolean;
  readonly causes: readonly IncompatibilityCause[];
}

export interface RegistryClient {
  /** The API base as messages name it: without the password its URL may carry. */
  readonly url: string;
  /** The id and version under which `subject` already holds exactly this schema, if it does. */
  lookup(subject: string, schema: string): Promise<RegisteredSchema | undefined>;
  /** Registers (or finds) the schema under `subject`; a schema the subject's rule refuses throws EVP_SCHEMA_INCOMPATIBLE. */
  register(subject: string, schema: string): Promise<{ id: number }>;
  latest(subject: string): Promise<RegisteredSchema | undefined>;
  /** The subject's version numbers, ascending; undefined when the subject is not registered. */
  versions(subject: string): Promise<number[] | undefined>;
  /** One version of the subject; undefined when the subject or the version does not exist. */
  schemaByVersion(subject: string, version: number): Promise<RegisteredSchema | undefined>;
  schemaById(id: number): Promise<string>;
  /** The subject's own compatibility level, or undefined when it follows the global one. */
  subjectCompatibility(subject: string): Promise<string | undefined>;
  globalCompatibility(): Promise<string>;
  setCompatibility(subject: string, level: string): Promise<void>;
  /** Asks the registry, without registering, whether `schema` may follow the subject's latest version. */
  checkCompatibility(subject: string, schema: string): Promise<CompatibilityResult>;
}

const contentType = 'application/vnd.schemaregistry.v1+json';
const defaultRetry: RetrySchedule = { retries: 5, initialDelayMs: 200, maxDelayMs: 3_000 };

interface Answer {
  readonly status: number;
  readonly body: unknown;
}

export function createRegistryClient(options: RegistryClientOptions): RegistryClient {
  // fetch refuses a URL that carries credentials: a user and password in it are sent as basic auth.
  const given = new URL(options.url.replace(/\/+$/, ''));
  const basic =
    options.auth?.basic ??
    (given.username === '' ? undefined : { username: decodeURIComponent(given.username), password: decodeURIComponent(given.password) });
  given.username = '';
  given.password = '';
  const base = given.href.replace(/\/+$/, '');
  // Messages and error fields name the registry without the password its URL may carry.
  const shown = redactUrl(base);
  const retry = options.retry ?? defaultRetry;
  const timeoutMs = options.requestTimeoutMs ?? 10_000;
  const fetchImpl = options.fetchImpl ?? fetchTrusting(options.auth?.ca);
  const bearer = options.auth?.bearer;
  const credentials = basic === undefined ? undefined : `Basic ${Buffer.from(`${basic.username}:${basic.password}`).toString('base64')}`;
  const authorization = async (): Promise<Record<string, string>> => {
    if (bearer !== undefined) return { authorization: `Bearer ${await bearer()}` };
    return credentials === undefined ? {} : { authorization: credentials };
  };
  const refusedCredentials = (status: number): RegistryError => {
    const given =
      bearer !== undefined
        ? 'the bearer token (SCHEMA_REGISTRY_BEARER_TOKEN_FILE)'
        : basic !== undefined
          ? `the credentials of ${basic.username} (SCHEMA_REGISTRY_USERNAME, SCHEMA_REGISTRY_PASSWORD)`
          : 'no credentials';
    const fix =
      bearer === undefined && basic === undefined
        ? 'set SCHEMA_REGISTRY_USERNAME and SCHEMA_REGISTRY_PASSWORD, or SCHEMA_REGISTRY_BEARER_TOKEN_FILE'
        : 'check them';
    return new RegistryError(registryErrorCodes.unauthorized, `Schema registry at ${shown} refused ${given} with HTTP ${status}: ${fix}`, {
      status,
      url: shown,
      retriable: false,
    });
  };

  async function request(method: string, path: string, body?: unknown, api = { root: base, type: contentType }): Promise<Answer> {
    const url = `${api.root}${path}`;
    let lastCause: unknown;
    for (let attempt = 1; ; attempt++) {
      let retriable: boolean;
      try {
        const response = await fetchImpl(url, {
          method,
          headers: {
            accept: `${api.type}, application/json`,
            ...(body === undefined ? {} : { 'content-type': api.type }),
            ...(await authorization()),
          },
          ...(body === undefined ? {} : { body: JSON.stringify(body) }),
          signal: AbortSignal.timeout(timeoutMs),
        });
        const text = await response.text();
        const parsed: unknown = text === '' ? undefined : safeJson(text);
        if (response.status === 401 || response.status === 403) throw refusedCredentials(response.status);
        if (response.status < 500 && response.status !== 429) return { status: response.status, body: parsed };
        lastCause = new Error(`HTTP ${response.status}: ${text.slice(0, 300)}`);
        retriable = true;
      } catch (thrown) {
        if (thrown instanceof RegistryError) throw thrown;
        const refused = certificateProblem(thrown);
        if (refused !== undefined) {
          throw new RegistryError(
            registryErrorCodes.unreachable,
            describeTlsFailure(
              refused,
              `the schema registry at ${shown}`,
              { ca: 'SCHEMA_REGISTRY_CA_FILE', host: 'SCHEMA_REGISTRY_URL' },
              'this client',
            ),
            { cause: thrown, retriable: false, url: shown },
          );
        }
        lastCause = thrown;
        retriable = true;
      }
      const decision = nextAttempt(attempt, retriable, retry);
      if (!decision.retry) {
        const cause = coerceError(lastCause);
        const reason = describeCause(cause);
        throw new RegistryError(
          registryErrorCodes.unreachable,
          `Schema registry at ${shown} is unreachable (${reason}) after ${attempt} attempts; start it with \`npx evp stack up\` or set SCHEMA_REGISTRY_URL`,
          { cause, retriable: true, url: shown },
        );
      }
      await sleep(decision.delayMs);
    }
  }

  const failed = (what: string, answer: Answer): RegistryError =>
    new RegistryError(
      registryErrorCodes.requestFailed,
      `Schema registry at ${shown} refused to ${what}: HTTP ${answer.status} ${errorMessage(answer.body)}`,
      {
        status: answer.status,
        url: shown,
      },
    );

  const subjectPath = (subject: string) => `/subjects/${encodeURIComponent(subject)}`;

  return {
    url: shown,

    async lookup(subject, schema) {
      const answer = await request('POST', subjectPath(subject), { schema });
      if (answer.status === 404) return undefined;
      if (answer.status !== 200) throw failed(`look up a schema of ${subject}`, answer);
      return answer.body as RegisteredSchema;
    },

    async register(subject, schema) {
      const answer = await request('POST', `${subjectPath(subject)}/versions`, { schema });
      if (answer.status === 409) {
        throw new RegistryError(
          registryErrorCodes.incompatible,
          `Schema registry refused the new schema of ${subject}: ${errorMessage(answer.body)}`,
          {
            subject,
            url: shown,
          },
        );
      }
      if (answer.status !== 200) throw failed(`register a schema under ${subject}`, answer);
      return { id: (answer.body as { id: number }).id };
    },

    async latest(subject) {
      const answer = await request('GET', `${subjectPath(subject)}/versions/latest`);
      if (answer.status === 404) return undefined;
      if (answer.status !== 200) throw failed(`read the latest version of ${subject}`, answer);
      return answer.body as RegisteredSchema;
    },

    async versions(subject) {
      const answer = await request('GET', `${subjectPath(subject)}/versions`);
      if (answer.status === 404) return undefined;
      if (answer.status !== 200) throw failed(`list the versions of ${subject}`, answer);
      return (answer.body as number[]).slice().sort((a, b) => a - b);
    },

    async schemaByVersion(subject, version) {
      const answer = await request('GET', `${subjectPath(subject)}/versions/${version}`);
      if (answer.status === 404) return undefined;
      if (answer.status !== 200) throw failed(`read version ${version} of ${subject}`, answer);
      return answer.body as RegisteredSchema;
    },

    async schemaById(id) {
      const answer = await request('GET', `/schemas/ids/${id}`);
      if (answer.status === 404) {
        throw new RegistryError(registryErrorCodes.unknownSchemaId, `Schema id ${id} is not in the schema registry at ${shown}`, {
          schemaId: id,
          url: shown,
        });
      }
      if (answer.status !== 200) throw failed(`return schema id ${id}`, answer);
      return (answer.body as { schema: string }).schema;
    },

    async subjectCompatibility(subject) {
      const answer = await request('GET', `/config/${encodeURIComponent(subject)}`);
      if (answer.status === 404) return undefined;
      if (answer.status !== 200) throw failed(`read the compatibility of ${subject}`, answer);
      return readLevel(answer.body);
    },

    async globalCompatibility() {
      const answer = await request('GET', '/config');
      if (answer.status !== 200) throw failed('read the global compatibility', answer);
      return readLevel(answer.body) ?? 'BACKWARD';
    },

    async setCompatibility(subject, level) {
      const answer = await request('PUT', `/config/${encodeURIComponent(subject)}`, { compatibility: level });
      if (answer.status !== 200) throw failed(`set the compatibility of ${subject} to ${level}`, answer);
    },

    async checkCompatibility(subject, schema) {
      const answer = await request('POST', `/compatibility${subjectPath(subject)}/versions/latest?verbose=true`, { schema });
      if (answer.status !== 200) throw failed(`check a schema of ${subject}`, answer);
      const result = answer.body as { is_compatible: boolean; messages?: string[] };
      if (result.is_compatible) return { compatible: true, causes: [] };
      const messages = result.messages ?? [];
      if (messages.length > 0) return { compatible: false, causes: messages.map((description) => ({ description })) };
      return { compatible: false, causes: await apicurioCauses(subject, schema) };
    },
  };

  /**
   * Apicurio's ccompat API answers "not compatible" without saying why; its native API does, as a
   * dry-run registration whose rule violation lists each cause with a JSON pointer into the new
   * schema. Subjects of the ccompat API are artifacts of the group "default".
   */
  async function apicurioCauses(subject: string, schema: string): Promise<IncompatibilityCause[]> {
    const native = base.replace(/\/apis\/ccompat\/v\d+$/, '/apis/registry/v3');
    if (native === base) return [];
    const answer = await request(
      'POST',
      `/groups/default/artifacts/${encodeURIComponent(subject)}/versions?dryRun=true`,
      { content: { content: schema, contentType: 'application/json' } },
      { root: native, type: 'application/json' },
    );
    const causes = (answer.body as { causes?: { description: string; context?: string }[] } | undefined)?.causes ?? [];
    return causes.map((cause) => ({ description: cause.description, pointer: cause.context }));
  }
}

/** Node's code for a TLS handshake the client refused (fetch's cause): waiting does not fix it, so it is not retried. */
function certificateProblem(error: unknown): string | undefined {
  return tlsFailureCode((error as { cause?: unknown } | undefined)?.cause);
}

/** fetch, trusting `ca` (PEM) instead of the system's CAs when given. */
function fetchTrusting(ca: string | undefined): typeof fetch {
  if (ca === undefined) return fetch;
  const dispatcher = new Agent({ connect: { ca } });
  return ((input: string, init?: RequestInit) => undiciFetch(input, { ...(init as object), dispatcher })) as unknown as typeof fetch;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

function readLevel(body: unknown): string | undefined {
  const value = body as { compatibilityLevel?: string; compatibility?: string } | undefined;
  return value?.compatibilityLevel ?? value?.compatibility;
}

function errorMessage(body: unknown): string {
  if (typeof body === 'object' && body !== null && 'message' in body) return String(body.message);
  return typeof body === 'string' ? body.slice(0, 300) : JSON.stringify(body);
}

function describeCause(error: Error): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  if (cause?.code) return cause.code;
  if (error.name === 'TimeoutError') return 'request timed out';
  return error.message;
}
