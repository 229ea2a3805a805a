import { randomBytes } from 'node:crypto';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Logger } from '../adapters/logger.js';
import { scopeGranted, type ApiKeyScope } from '../core/api-key-scopes.js';
import type { ApiContext, ApiInstance } from './context.js';
import type { ApiKeyIdentity } from '../store/find-api-key.js';
import { consoleRoutes } from './console.js';
import { ApiError, frameworkError, handleError, invalidParameter, scopeMissing, writeClientError } from './errors.js';
import { createRateLimits, type RateLimitSettings } from './rate-limit.js';
import { nonCanonicalTarget, normalizeTarget } from './request-target.js';
import { deadLetterRoutes } from './routes/dead-letters.js';
import { deliveryRoutes } from './routes/deliveries.js';
import { destinationRoutes } from './routes/destinations.js';
import { destinationPayloadSchemaRoute } from './routes/destination-payload-schema.js';
import { entityRoutes } from './routes/entities.js';
import { eventTypeRoutes } from './routes/event-types.js';
import { eventRoutes } from './routes/events.js';
import { ingestRoutes } from './routes/ingest.js';
import { organizationRoutes } from './routes/organization.js';
import { schemaRoutes } from './routes/schemas.js';
import { statsRoutes } from './routes/stats.js';
import { streamRoutes } from './routes/stream.js';
import {
  apiContact,
  apiLicense,
  apiServers,
  apiTags,
  apiWebhooks,
  hoistNamedSchemas,
  withoutValidatorKeywords,
} from './openapi-document.js';
import { addRequestKeywords } from './schemas.js';

export interface BuildApiOptions {
  readonly context: ApiContext;
  readonly logger: Logger;
  /** Whether the store answers; /healthz reports it. */
  readonly checkDatabase: () => Promise<void>;
  /** The built web console served under /console/. @defaultValue dist/console */
  readonly consoleDir?: string | undefined;
  /** Requests per API key and failed authentications per client IP in a window. @defaultValue none: nothing is limited */
  readonly rateLimit?: RateLimitSettings | undefined;
  /** Proxies believed about the client's address, which the failed-login limit counts by. @defaultValue false */
  readonly trustProxy?: boolean | number | readonly string[] | undefined;
  /** How long a client may take to send its request headers, then the whole request, in ms. @defaultValue 10,000 and 30,000 */
  readonly timeouts?: { readonly headersMs: number; readonly requestMs: number } | undefined;
}

/**
 * Routes made by plugins, which cannot carry a route's `config`: the API docs and the console's
 * files. They are public; every other route is public only if it says so (`config.public`).
 */
const pluginPublicPrefixes = ['/docs', '/console'];

/** The longest raw path parameter the router takes (an entity id of 500 characters, percent-encoded); past it, 414. */
const maxParamLength = 2048;

/**
 * Builds the Events API without listening (tests inject requests; cli/api.ts listens). Every
 * route needs a Bearer key, checked before its parameters, and is scoped to the key's
 * organization, unless the route itself says it is public (/openapi.json, /docs, /healthz,
 * /metrics and the console's files, none of them under /api/). The check belongs to the route
 * the router matched, never to the raw URL; a target is brought to normal form before routing
 * (percent-encoded letters and digits decoded), and one that cannot be (dot segments, `//`, an
 * absolute URL) is refused. Given a rate limit, a request counts against
 * its key (a failed one against the client IP); public routes are never limited.
 */
export async function buildApi(options: BuildApiOptions): Promise<ApiInstance> {
  const { context } = options;
  const app = Fastify({
    // pino's Logger is a FastifyBaseLogger; saying so keeps the instance type the routes expect.
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-assertion
    loggerInstance: options.logger as FastifyBaseLogger,
    // One line per request would double the log volume of a busy API; /metrics has the counts.
    logController: new LogController({ disableRequestLogging: true }),
    genReqId: () => `req_${randomBytes(12).toString('base64url')}`,
    requestIdHeader: false,
    trustProxy: fastifyTrustProxy(options.trustProxy),
    routerOptions: { maxParamLength },
    // A client that sends its headers or body slowly holds a connection; past these it gets a 408.
    requestTimeout: options.timeouts?.requestMs ?? 30_000,
    http: {
      headersTimeout: Math.min(options.timeouts?.headersMs ?? 10_000, options.timeouts?.requestMs ?? 30_000),
      // Node checks the two timeouts this often (30 s by default, which would stretch a 10 s limit to 40).
      connectionsCheckingInterval: 1_000,
    },
    // The framework's own refusals (a bad URL, a path parameter too long, a header too large, a
    // timeout) answer in the API's error shape too.
    // `/api/v%31/a%7Eb` is `/api/v1/a~b`: routed, authenticated and logged as one (request-target.ts).
    rewriteUrl: (request) => normalizeTarget(request.url ?? '/'),
    frameworkErrors: frameworkError,
    clientErrorHandler: writeClientError,
    // The schemas decide: unknown parameters are errors (not silently dropped), a single value
    // becomes a one-item list where a list is expected, defaults fill in. addRequestKeywords adds
    // `finite`, which refuses the Infinity that coercion makes of `?limit=Infinity`.
    ajv: {
      customOptions: { removeAdditional: false, coerceTypes: 'array', useDefaults: true, allErrors: false },
      plugins: [addRequestKeywords],
    },
  }).withTypeProvider<TypeBoxTypeProvider>();

  app.addHook('onRoute', (route) => {
    const decimal = decimalQueryCheck(route.schema?.querystring);
    if (decimal !== undefined) route.preValidation = [...hooksOf(route.preValidation), decimal];
    const isPublic =
      route.config?.public === true || pluginPublicPrefixes.some((prefix) => route.url === prefix || route.url.startsWith(`${prefix}/`));
    if (isPublic && route.url.startsWith('/api/')) throw new Error(`${String(route.method)} ${route.url}: nothing under /api/ is public`);
    route.config = { ...route.config, public: isPublic };
    if (isPublic) return;
    const scope = route.config.scope;
    if (scope === undefined)
      throw new Error(`${String(route.method)} ${route.url}: a route that needs a key says which scope (config.scope)`);
    route.onRequest = [...hooksOf(route.onRequest), authenticate, ...(scope === 'any' ? [] : [requireScope(scope)])];
    // The document says what each operation needs: OpenAPI 3.1 lets a bearer scheme list role names.
    if (route.schema !== undefined) {
      const needs = scope === 'any' ? 'Any API key may use it.' : `Needs an API key with the \`${scope}\` scope, or one that includes it.`;
      const description = route.schema.description === undefined ? needs : `${route.schema.description}\n\n${needs}`;
      route.schema = { ...route.schema, description, security: [{ apiKey: scope === 'any' ? [] : [scope] }] };
    }
  });

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'event-pipeline Events API',
        version: '1.0.0',
        license: apiLicense,
        contact: apiContact,
        description:
          'List, retrieve and follow the events of your organization, the catalogue of event types, and the state and history of each entity. Authenticate with `Authorization: Bearer <key>` (`evp keys create --org <org> [--scope …]`); each operation lists under `security` the scope a key needs for it (`events:read`, `events:write`, `destinations:read`, `destinations:write`, or `admin` for everything), and a key without it gets a 403 `permission_error`. Errors are `{ "error": { "type", "code", "message", "param" } }`.',
      },
      components: { securitySchemes: { apiKey: { type: 'http', scheme: 'bearer', description: 'An API key: evp_sk_…' } } },
      security: [{ apiKey: [] }],
      servers: apiServers,
      tags: apiTags,
      webhooks: apiWebhooks,
    },
    // Every titled schema becomes a named component, so generated clients get named types.
    transformObject: (document) => {
      if (!('openapiObject' in document)) return document.swaggerObject;
      const named = hoistNamedSchemas(withoutValidatorKeywords(document.openapiObject) as Record<string, unknown>);
      // Two different schemas under one name would make one of them wrong in every generated client.
      if (named.clashes.length > 0) throw new Error(`schemas titled alike differ: ${named.clashes.join(', ')}`);
      return named.document;
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs', uiConfig: { docExpansion: 'list', deepLinking: true } });

  // Every body the API takes is JSON: text/plain, which Fastify parses by default, is a 415 like any other type.
  app.removeContentTypeParser('text/plain');
  app.setErrorHandler(handleError);
  app.setNotFoundHandler(async (request, reply) => {
    // No route holds data here, but a key is asked for (and counted) under /api/ all the same, so
    // a client without one learns nothing from this path, and a key's requests count wherever they go.
    if (request.url.startsWith('/api/')) await authenticate(request, reply);
    const error = new ApiError(
      404,
      'invalid_request_error',
      'resource_missing',
      `Unrecognized request URL (${request.method} ${request.url.split('?')[0]}); see /docs.`,
    );
    return reply.code(404).send(error.toJSON());
  });
  app.decorateRequest('organizationId', '');
  // Set by the auth hook before any /api/v1 handler reads it.
  app.decorateRequest('apiKey', null as unknown as ApiKeyIdentity);
  const limits = await createRateLimits(app, context.auth, options.rateLimit);

  // Runs before every route's own hooks, and for requests no route matched.
  app.addHook('onRequest', async (request, reply) => {
    void reply.header('request-id', request.id);
    const problem = nonCanonicalTarget(request.url);
    if (problem !== undefined) {
      throw new ApiError(400, 'invalid_request_error', 'url_not_canonical', `The request target is refused: ${problem}.`);
    }
  });
  // Added to every route that is not public (onRoute above), so it runs for that route whatever URL reached it.
  async function authenticate(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    request.apiKey = await limits.authenticate(request, reply);
    request.organizationId = request.apiKey.organizationId;
    await limits.countKey(request, reply);
  }
  /** Refuses, after the key is known and counted, a key that may not use the route. */
  function requireScope(scope: ApiKeyScope) {
    return (request: FastifyRequest, _reply: FastifyReply, done: (error?: Error) => void): void => {
      done(scopeGranted(request.apiKey.scopes, scope) ? undefined : scopeMissing(scope, request.apiKey.scopes));
    };
  }
  app.addHook('onResponse', async (request, reply) => {
    if (request.routeOptions.url === '/api/v1/events/stream') return;
    context.metrics.requestSeconds.observe(
      { method: request.method, route: request.routeOptions.url ?? 'unmatched', status: String(reply.statusCode) },
      reply.elapsedTime / 1000,
    );
  });

  eventRoutes(app, context);
  ingestRoutes(app, context);
  streamRoutes(app, context);
  eventTypeRoutes(app, context);
  entityRoutes(app, context);
  destinationRoutes(app, context);
  destinationPayloadSchemaRoute(app, context);
  deliveryRoutes(app, context);
  organizationRoutes(app, context);
  statsRoutes(app, context);
  deadLetterRoutes(app, context);
  schemaRoutes(app, context);
  await consoleRoutes(app, options.consoleDir);

  app.get('/openapi.json', { schema: { hide: true }, config: { public: true } }, (_request, reply) => reply.send(app.swagger()));
  app.get('/healthz', { schema: { hide: true }, config: { public: true } }, async (_request, reply) => {
    try {
      await options.checkDatabase();
      return { ok: true, database: 'up' };
    } catch {
      return reply.code(503).send({ ok: false, database: 'unreachable' });
    }
  });
  app.get('/metrics', { schema: { hide: true }, config: { public: true } }, async (_request, reply) => {
    return reply.type(context.metrics.registry.contentType).send(await context.metrics.registry.metrics());
  });
  return app;
}

/**
 * Integer query parameters are written in decimal. ajv's coercion is JavaScript's Number(), which
 * also reads `0x10`, `1e1`, `0b1` and ` 16 ` as numbers: checked on the raw text, before coercion,
 * such a value is a 400 that names the parameter.
 */
function decimalQueryCheck(
  schema: unknown,
): ((request: FastifyRequest, reply: FastifyReply, done: (error?: Error) => void) => void) | undefined {
  const properties = (schema as { properties?: Record<string, { type?: unknown }> } | undefined)?.properties ?? {};
  const integers = Object.keys(properties).filter((name) => properties[name]?.type === 'integer');
  if (integers.length === 0) return undefined;
  return (request, _reply, done) => {
    const query = request.query as Record<string, unknown>;
    const bad = integers.find((name) => ([] as unknown[]).concat(query[name] ?? []).some(readAsAnotherNumber));
    done(
      bad === undefined
        ? undefined
        : invalidParameter(bad, `${bad} must be a whole number written in decimal digits.`, 'parameter_invalid_integer'),
    );
  };
}

/**
 * Text that JavaScript reads as a finite number though it is not decimal digits (`0x10`, `1e1`,
 * ` 16`, `10.0`). What it reads as no number or an infinite one is left to the schema, whose
 * answers name those (`parameter_invalid_integer`, `parameter_out_of_range`).
 */
function readAsAnotherNumber(value: unknown): boolean {
  return typeof value === 'string' && !/^-?\d+$/.test(value) && value.trim() !== '' && Number.isFinite(Number(value));
}

function hooksOf<T>(hooks: T | T[] | undefined): T[] {
  if (hooks === undefined) return [];
  return Array.isArray(hooks) ? hooks : [hooks];
}

/** Fastify's form of a trust-proxy setting: a count of hops becomes the function that trusts that many. */
function fastifyTrustProxy(setting: BuildApiOptions['trustProxy']): boolean | string[] | ((address: string, hop: number) => boolean) {
  if (typeof setting === 'number') return (_address, hop) => hop < setting;
  if (typeof setting === 'object') return [...setting];
  return setting ?? false;
}
