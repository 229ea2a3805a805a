import rateLimit from '@fastify/rate-limit';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import type { Authenticator } from './auth.js';
import type { ApiInstance } from './context.js';
import { ApiError } from './errors.js';
import { ErrorBody } from './schemas.js';
import type { ApiKeyIdentity } from '../store/find-api-key.js';

/** How many requests the API takes from one client. Each API process counts on its own. */
export interface RateLimitSettings {
  /** Requests one API key may make per window; 0 turns the limit off. */
  readonly perKey: number;
  /**
   * Failed authentications one client IP may make per window; past it the IP is answered 429
   * until the window ends, whatever key it sends (so a guess that hits cannot be told apart).
   * 0 turns the limit off.
   */
  readonly authFailuresPerIp: number;
  /** The window both are counted in, in ms. */
  readonly windowMs: number;
}

export interface RateLimits {
  /**
   * Authenticates a request under /api/v1, refusing with a 429 a client IP that failed to
   * authenticate too often in this window, before its key is looked at.
   */
  authenticate(request: FastifyRequest, reply: FastifyReply): Promise<ApiKeyIdentity>;
  /** Counts an authenticated request against its key (`request.apiKey`): a 429 past the limit. */
  countKey(request: FastifyRequest, reply: FastifyReply): Promise<void>;
}

const RateLimited = Type.Object(ErrorBody.properties, {
  description:
    'Too many requests: with this API key, or with failed authentications from this address, in the current window. `Retry-After` gives the seconds to wait; `x-ratelimit-limit`, `x-ratelimit-remaining` and `x-ratelimit-reset` the limit, what is left and when it resets.',
});

/**
 * Limits what one API key may ask in a window (fixed windows, counted in memory by
 * @fastify/rate-limit), and what one client IP may try with keys that fail. Only requests under
 * /api/v1 are counted: /healthz, /metrics, /openapi.json, /docs and the console's files are not.
 * A live tail counts once, when it connects. Without settings, or with both limits at 0, nothing
 * is limited. Must be called before the routes are added: it documents the 429 on each of them.
 */
export async function createRateLimits(
  app: ApiInstance,
  auth: Authenticator,
  settings: RateLimitSettings | undefined,
): Promise<RateLimits> {
  const perKey = settings?.perKey ?? 0;
  const perIp = settings?.authFailuresPerIp ?? 0;
  if (settings === undefined || (perKey === 0 && perIp === 0)) {
    return { authenticate: (request) => auth.authenticate(request), countKey: async () => {} };
  }
  const { windowMs } = settings;
  const window = describeWindow(windowMs);

  // Not global: this file decides which requests count, in the auth hook.
  await app.register(rateLimit, { global: false });
  app.addHook('onRoute', (route) => {
    const response = route.schema?.response as Record<string, unknown> | undefined;
    if (!route.url.startsWith('/api/v1/') || response === undefined) return;
    // A copy: routes may share their response objects.
    route.schema = { ...route.schema, response: { ...response, 429: RateLimited } };
  });

  const limitKey =
    perKey === 0
      ? undefined
      : app.rateLimit({
          max: perKey,
          timeWindow: windowMs,
          keyGenerator: (request) => request.apiKey.id,
          // Keys active in one window; past it the least recently used are forgotten (and start over).
          cache: 10_000,
          errorResponseBuilder: (_request, context) =>
            tooManyRequests(
              `Too many requests with this API key: at most ${context.max} per ${window}. Retry in ${retrySeconds(context.ttl)} s (Retry-After).`,
            ),
        });

  // The default key is the client's IP, an IPv6 one cut to its /64.
  const checkIp = perIp === 0 ? undefined : app.createRateLimit({ max: perIp, timeWindow: windowMs });
  const refuseIp = (reply: FastifyReply, ttl: number): ApiError => {
    const seconds = retrySeconds(ttl);
    void reply.headers({ 'x-ratelimit-limit': perIp, 'x-ratelimit-remaining': 0, 'x-ratelimit-reset': seconds, 'retry-after': seconds });
    return tooManyRequests(
      `Too many requests with a missing or invalid API key from this address: at most ${perIp} per ${window}. Retry in ${seconds} s (Retry-After) with a valid key; \`evp keys list --org <org>\` shows the keys.`,
    );
  };

  return {
    async authenticate(request, reply) {
      if (checkIp === undefined) return auth.authenticate(request);
      // Look without counting: only failures count. An address that used up its failures is refused
      // before its key is looked at, so the next guess is never checked, right or wrong.
      const before = await checkIp(request, { increment: false });
      if (!before.isAllowed && before.remaining === 0) throw refuseIp(reply, before.ttl);
      try {
        const identity = await auth.authenticate(request);
        // Guesses sent at once all pass the look above; one that hits after the others used up the
        // failures is answered like them. (Checks are not held back: a client's own burst of good
        // requests must not be refused for failures it has not made.)
        const after = await checkIp(request, { increment: false });
        if (!after.isAllowed && after.remaining === 0) throw refuseIp(reply, after.ttl);
        return identity;
      } catch (error) {
        if (!(error instanceof ApiError) || error.statusCode !== 401) throw error;
        const after = await checkIp(request);
        if (!after.isAllowed && after.isExceeded) throw refuseIp(reply, after.ttl);
        throw error;
      }
    },
    async countKey(request, reply) {
      await limitKey?.call(app, request, reply);
    },
  };
}

function tooManyRequests(message: string): ApiError {
  return new ApiError(429, 'invalid_request_error', 'rate_limited', message);
}

/** Whole seconds, at least 1, as Retry-After gives them. */
function retrySeconds(ttlMs: number): number {
  return Math.max(1, Math.ceil(ttlMs / 1000));
}

/** 1000 -> "1 second", 60000 -> "1 minute", 1500 -> "1500 ms". */
function describeWindow(ms: number): string {
  const unit = (n: number, name: string) => (n === 1 ? `1 ${name}` : `${n} ${name}s`);
  if (ms % 60_000 === 0) return unit(ms / 60_000, 'minute');
  if (ms % 1000 === 0) return unit(ms / 1000, 'second');
  return `${ms} ms`;
}
