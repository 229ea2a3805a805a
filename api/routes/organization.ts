import type { ApiContext, ApiInstance } from '../context.js';
import { unauthorized } from '../errors.js';
import { NoQuery, Organization, errorResponses } from '../schemas.js';
import { getApiKey } from '../sql/get-api-key.js';

/** Who is signed in: the key's organization and the key itself (id and name, never the secret). */
export function organizationRoutes(app: ApiInstance, ctx: ApiContext): void {
  app.get(
    '/api/v1/organization',
    {
      schema: {
        summary: 'Retrieve your organization',
        description: 'The organization of the API key in use, and which key it is: a quick check that a key works and whose it is.',
        tags: ['organization'],
        querystring: NoQuery,
        response: { 200: Organization, ...errorResponses },
      },
    },
    async (request) => {
      // The auth hook checked the key moments ago: this answer comes from its cache.
      const identity = await ctx.auth.authenticate(request);
      const key = await getApiKey(ctx.query, identity.organizationId, identity.id);
      // Revoked between the two reads.
      if (key === undefined) throw unauthorized('api_key_invalid', 'Invalid API key (unknown or revoked).');
      return { object: 'organization' as const, id: identity.organizationId, api_key: { id: key.id, name: key.name } };
    },
  );
}
