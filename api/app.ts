import { randomBytes } from 'node:crypto';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { LogController, type FastifyBaseLogger } from 'fastify';
import type { Logger } from '../adapters/logger.js';
import type { ApiContext, ApiInstance } from './context.js';
import type { ApiKeyIdentity } from './sql/find-api-key.js';
import { consoleRoutes } from './console.js';
import { ApiError, handleError } from './errors.js';
import { createRateLimits, type RateLimitSettings } from './rate-limit.js';
import { deadLetterRoutes } from './routes/dead-letters.js';
import { deliveryRoutes } from './routes/deliveries.js';
import { destinationRoutes } from './routes/destinations.js';
import { entityRoutes } from './routes/entities.js';
import { eventTypeRoutes } from './routes/event-types.js';
import { eventRoutes } from './routes/events.js';
import { organizationRoutes } from './routes/organization.js';
import { schemaRoutes } from './routes/schemas.js';
import { statsRoutes } from './routes/stats.js';
import { streamRoutes } from './routes/stream.js';

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
}

/**
 * Builds the Events API without listening (tests inject requests; cli/api.ts listens). Under
 * /api/v1 every request needs a Bearer key, checked before its parameters, and is scoped to the
 * key's organization; given a rate limit, it counts against its key (a failed one against the
 * client IP). /openapi.json, /docs, /healthz and /metrics are open and never limited.
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
    // The schemas decide: unknown parameters are errors (not silently dropped), a single value
    // becomes a one-item list where a list is expected, defaults fill in.
    ajv: { customOptions: { removeAdditional: false, coerceTypes: 'array', useDefaults: true, allErrors: false } },
  }).withTypeProvider<TypeBoxTypeProvider>();

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'event-pipeline Events API',
        version: '1.0.0',
        description:
          'List, retrieve and follow the events of your organization, the catalogue of event types, and the state and history of each entity. Authenticate with `Authorization: Bearer <key>` (`evp keys create --org <org>`). Errors are `{ "error": { "type", "code", "message", "param" } }`.',
      },
      components: { securitySchemes: { apiKey: { type: 'http', scheme: 'bearer', description: 'An API key: evp_sk_…' } } },
      security: [{ apiKey: [] }],
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs', uiConfig: { docExpansion: 'list', deepLinking: true } });

  app.setErrorHandler(handleError);
  app.setNotFoundHandler((request, reply) => {
    const error = new ApiError(
      404,
      'invalid_request_error',
      'resource_missing',
      `Unrecognized request URL (${request.method} ${request.url.split('?')[0]}); see /docs.`,
    );
    void reply.code(404).send(error.toJSON());
  });
  app.decorateRequest('organizationId', '');
  // Set by the auth hook before any /api/v1 handler reads it.
  app.decorateRequest('apiKey', null as unknown as ApiKeyIdentity);
  const limits = await createRateLimits(app, context.auth, options.rateLimit);

  app.addHook('onRequest', async (request, reply) => {
    void reply.header('request-id', request.id);
    if (!request.url.startsWith('/api/v1/')) return;
    request.apiKey = await limits.authenticate(request, reply);
    request.organizationId = request.apiKey.organizationId;
    await limits.countKey(request, reply);
  });
  app.addHook('onResponse', async (request, reply) => {
    if (request.routeOptions.url === '/api/v1/events/stream') return;
    context.metrics.requestSeconds.observe(
      { method: request.method, route: request.routeOptions.url ?? 'unmatched', status: String(reply.statusCode) },
      reply.elapsedTime / 1000,
    );
  });

  eventRoutes(app, context);
  streamRoutes(app, context);
  eventTypeRoutes(app, context);
  entityRoutes(app, context);
  destinationRoutes(app, context);
  deliveryRoutes(app, context);
  organizationRoutes(app, context);
  statsRoutes(app, context);
  deadLetterRoutes(app, context);
  schemaRoutes(app, context);
  await consoleRoutes(app, options.consoleDir);

  app.get('/openapi.json', { schema: { hide: true } }, (_request, reply) => reply.send(app.swagger()));
  app.get('/healthz', { schema: { hide: true } }, async (_request, reply) => {
    try {
      await options.checkDatabase();
      return { ok: true, database: 'up' };
    } catch {
      return reply.code(503).send({ ok: false, database: 'unreachable' });
    }
  });
  app.get('/metrics', { schema: { hide: true } }, async (_request, reply) => {
    return reply.type(context.metrics.registry.contentType).send(await context.metrics.registry.metrics());
  });
  return app;
}

/** Fastify's form of a trust-proxy setting: a count of hops becomes the function that trusts that many. */
function fastifyTrustProxy(setting: BuildApiOptions['trustProxy']): boolean | string[] | ((address: string, hop: number) => boolean) {
  if (typeof setting === 'number') return (_address, hop) => hop < setting;
  if (typeof setting === 'object') return [...setting];
  return setting ?? false;
}
