import { Type } from 'typebox';
import { expandPatterns } from '../../core/event-types.js';
import { payloadJsonSchema, type TypedSchema } from '../../core/payload-json-schema.js';
import { storedPayloadShape } from '../../core/payload-shape.js';
import { readEventSchemas } from '../../schemas/event-schemas.js';
import { getDestination } from '../../store/destinations.js';
import type { ApiContext, ApiInstance } from '../context.js';
import { DestinationId } from '../destination-schemas.js';
import { resourceMissing } from '../errors.js';
import { NoQuery, errorResponses, titled } from '../schemas.js';

const PayloadSchema = titled(
  'DestinationPayloadSchema',
  Type.Object({
    object: Type.Literal('payload_schema'),
    destination_id: Type.String(),
    payload: Type.Union([Type.String(), Type.Object({ fields: Type.Array(Type.String()) })]),
    event_types: Type.Array(Type.String(), { description: 'The subscribed types, patterns expanded.' }),
    schema: Type.Unsafe<Record<string, unknown>>({
      type: 'object',
      additionalProperties: true,
      description: 'JSON Schema (2020-12) of one delivery body; a batch of webhooks is an array of them.',
    }),
  }),
);

/** GET /destinations/{id}/payload-schema: the JSON Schema of the body its deliveries carry, from the subscribed types' event schemas. */
export function destinationPayloadSchemaRoute(app: ApiInstance, ctx: ApiContext): void {
  // The generated event schemas are exactly what is registered; read once.
  const schemas = readEventSchemas();
  app.get(
    '/api/v1/destinations/:id/payload-schema',
    {
      config: { scope: 'destinations:read' },
      schema: {
        operationId: 'retrieveDestinationPayloadSchema',
        summary: "Describe a destination's delivery body",
        description:
          'The JSON Schema of what each delivery carries, for the destination’s `payload` shape (`event`, `cloudevents` or a projection) and subscribed types.',
        tags: ['destinations'],
        params: DestinationId,
        querystring: NoQuery,
        response: { 200: PayloadSchema, ...errorResponses },
      },
    },
    async (request) => {
      const row = await getDestination(ctx.query, request.organizationId, request.params.id);
      if (row === undefined) throw resourceMissing(`No such destination: ${request.params.id}.`, 'id');
      const expanded = expandPatterns(row.event_types, ctx.catalogue.types);
      const types = 'types' in expanded ? expanded.types : [];
      const typed = types.flatMap((type): TypedSchema[] => {
        const schema = schemas.get(ctx.catalogue.entries[type]?.entity ?? '');
        return schema === undefined ? [] : [{ type, schema }];
      });
      return {
        object: 'payload_schema' as const,
        destination_id: row.id,
        payload: row.payload ?? 'event',
        event_types: [...types],
        schema: payloadJsonSchema(storedPayloadShape(row.payload), typed),
      };
    },
  );
}
