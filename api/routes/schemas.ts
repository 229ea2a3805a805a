import type { FastifyRequest } from 'fastify';
import { RegistryError } from '../../adapters/errors.js';
import { entityTopic, valueSubject } from '../../core/topics.js';
import type { ApiContext, ApiInstance } from '../context.js';
import { ApiError, invalidParameter, resourceMissing } from '../errors.js';
import { Schema, SchemaParams, SchemaVersion, SchemaVersionParams } from '../registry-schemas.js';
import { ErrorBody, NoQuery, errorResponses } from '../schemas.js';

/** Each entity's schema as the registry holds it: versions, compatibility rule, and the Avro of each version. */
export function schemaRoutes(app: ApiInstance, ctx: ApiContext): void {
  const tags = ['schemas'];
  const responses = { ...errorResponses, 503: ErrorBody };

  const subjectOf = (entity: string): string => {
    if (!ctx.catalogue.entities.has(entity)) {
      throw invalidParameter(
        'entity',
        `Unknown entity type ${JSON.stringify(entity)}; see GET /api/v1/event-types.`,
        'entity_type_unknown',
      );
    }
    return valueSubject(entityTopic(ctx.topicPrefix, entity));
  };

  app.get(
    '/api/v1/schemas/:entity',
    {
      config: { scope: 'events:read' },
      schema: {
        operationId: 'retrieveSchema',
        summary: "Retrieve an entity's schema",
        description:
          "The entity's subject in the schema registry: its compatibility rule (the subject's own, else the registry's), every version with its schema id, and the latest version's Avro schema.",
        tags,
        params: SchemaParams,
        querystring: NoQuery,
        response: { 200: Schema, ...responses },
      },
    },
    async (request) => {
      const { entity } = request.params;
      const subject = subjectOf(entity);
      return askRegistry(request, async () => {
        const [numbers, own] = await Promise.all([ctx.registry.versions(subject), ctx.registry.subjectCompatibility(subject)]);
        const compatibility = own ?? (await ctx.registry.globalCompatibility());
        const registered = await Promise.all((numbers ?? []).map((version) => ctx.registry.schemaByVersion(subject, version)));
        // A version deleted between the two reads is left out.
        const versions = registered.filter((schema) => schema !== undefined);
        const latest = versions.at(-1);
        return {
          object: 'schema' as const,
          entity,
          subject,
          compatibility,
          versions: versions.map((schema) => ({ version: schema.version, id: schema.id })),
          latest: latest === undefined ? null : { version: latest.version, id: latest.id, schema: parseAvro(latest.schema) },
        };
      });
    },
  );

  app.get(
    '/api/v1/schemas/:entity/versions/:version',
    {
      config: { scope: 'events:read' },
      schema: {
        operationId: 'retrieveSchemaVersion',
        summary: "Retrieve a version of an entity's schema",
        tags,
        params: SchemaVersionParams,
        querystring: NoQuery,
        response: { 200: SchemaVersion, ...responses },
      },
    },
    async (request) => {
      const { entity, version } = request.params;
      const subject = subjectOf(entity);
      const schema = await askRegistry(request, () => ctx.registry.schemaByVersion(subject, version));
      if (schema === undefined) throw resourceMissing(`No version ${version} of ${subject}.`, 'version');
      return {
        object: 'schema_version' as const,
        entity,
        subject,
        version: schema.version,
        id: schema.id,
        schema: parseAvro(schema.schema),
      };
    },
  );
}

/** A registry that cannot answer is a 503 (its address and error go to the log, not to the client), never a 500. */
async function askRegistry<T>(request: FastifyRequest, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (!(error instanceof RegistryError)) throw error;
    request.log.warn({ err: error }, 'schema registry unreachable while answering');
    throw new ApiError(
      503,
      'api_error',
      'service_unavailable',
      `The schema registry is unreachable; try again shortly (request ${request.id}).`,
    );
  }
}

function parseAvro(text: string): Record<string, unknown> {
  const parsed = JSON.parse(text) as unknown;
  // A primitive schema ("string") is wrapped the way Avro writes it as an object.
  return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : { type: parsed };
}
