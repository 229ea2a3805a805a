import type { FastifyRequest } from 'fastify';
import { hashApiKey, isApiKeyShaped } from '../core/api-keys.js';
import { unauthorized } from './errors.js';
import { findApiKey, touchApiKey, type ApiKeyIdentity } from '../store/find-api-key.js';
import type { Database } from '../store/query.js';

export interface Authenticator {
  /** The key's identity, or a 401 ApiError. */
  authenticate(request: FastifyRequest): Promise<ApiKeyIdentity>;
}

export interface AuthOptions {
  readonly query: Database;
  /** How long a checked key is trusted without asking the database again; a revoke takes effect within it. */
  readonly cacheMs: number;
}

/**
 * Bearer API keys. A key is hashed and looked up once per `cacheMs` (a revoked key is refused
 * within that time); `last_used_at` is written at most once a minute per key.
 */
export function createAuthenticator(options: AuthOptions): Authenticator {
  const cache = new Map<string, { identity: ApiKeyIdentity | undefined; until: number }>();
  const touched = new Map<string, number>();

  return {
    async authenticate(request) {
      const header = request.headers.authorization;
      if (header === undefined || header.trim() === '') {
        throw unauthorized(
          'api_key_missing',
          'No API key provided: send it as `Authorization: Bearer <key>`. Create one with `evp keys create --org <org>`.',
        );
      }
      const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
      if (!match) throw unauthorized('api_key_invalid', 'The Authorization header must be `Bearer <key>`.');
      const key = match[1] as string;
      if (!isApiKeyShaped(key)) throw unauthorized('api_key_invalid', 'Invalid API key.');
      const hash = hashApiKey(key);
      const cacheKey = hash.toString('base64');
      const now = Date.now();
      let entry = cache.get(cacheKey);
      if (entry === undefined || entry.until < now) {
        entry = { identity: await findApiKey(options.query, hash), until: now + options.cacheMs };
        if (cache.size > 10_000) cache.clear();
        cache.set(cacheKey, entry);
      }
      if (entry.identity === undefined) throw unauthorized('api_key_invalid', 'Invalid API key (unknown or revoked).');
      const identity = entry.identity;
      if ((touched.get(identity.id) ?? 0) < now - 60_000) {
        touched.set(identity.id, now);
        touchApiKey(options.query, identity.id).catch((error: unknown) => request.log.debug({ err: error }, 'noting key use failed'));
      }
      return identity;
    },
  };
}
