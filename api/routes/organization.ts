import { grantedScopes } from '../../core/api-key-scopes.js';
import type { ApiContext, ApiInstance } from '../context.js';
import { NoQuery, Organization, errorResponses } from '../schemas.js';

/** Who is signed in: the key's organization and the key itself (id, name and what it may do, never the secret). */
export function organizationRoutes(app: ApiInstance, _ctx: ApiContext): void {
  app.get(
    '/api/v1/organization',
    {
      config: { scope: 'any' },
      schema: {
        operationId: 'retrieveOrganization',
        summary: 'Retrieve your organization',
        description: 'The organization of the API key in use, and which key it is: a quick check that a key works and whose it is.',
        tags: ['organization'],
        querystring: NoQuery,
        response: { 200: Organization, ...errorResponses },
      },
    },
    // The auth hook has just checked the key: its identity is the answer.
    (request) => ({
      object: 'organization' as const,
      id: request.organizationId,
      api_key: { id: request.apiKey.id, name: request.apiKey.name, scopes: grantedScopes(request.apiKey.scopes) },
    }),
  );
}
