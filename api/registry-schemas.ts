import { Type } from 'typebox';
import { Nullable, SafeInteger, SafeString, titled } from './schemas.js';

/** Response schemas of an entity's schema in the registry: its versions and their Avro. */

const AvroSchema = Type.Unsafe<Record<string, unknown>>({
  type: 'object',
  additionalProperties: true,
  description: 'The Avro schema, parsed.',
});

export const SchemaParams = Type.Object({ entity: SafeString({ minLength: 1, maxLength: 200 }) });

export const SchemaVersionParams = Type.Object({
  entity: SafeString({ minLength: 1, maxLength: 200 }),
  version: SafeInteger({ minimum: 1, maximum: 2_147_483_647 }),
});

export const Schema = titled(
  'Schema',
  Type.Object(
    {
      object: Type.Literal('schema'),
      entity: Type.String(),
      subject: Type.String({ description: 'The registry subject: `<topic>-value`.' }),
      compatibility: Nullable(Type.String({ description: "The subject's own compatibility rule, else the registry's global one." })),
      versions: Type.Array(Type.Object({ version: Type.Integer(), id: Type.Integer() }), { description: 'Every version, oldest first.' }),
      latest: Nullable(
        Type.Object(
          { version: Type.Integer(), id: Type.Integer(), schema: AvroSchema },
          { description: 'null while nothing is registered under the subject.' },
        ),
      ),
    },
    { description: "An entity's schema in the registry." },
  ),
);

export const SchemaVersion = titled(
  'SchemaVersion',
  Type.Object(
    {
      object: Type.Literal('schema_version'),
      entity: Type.String(),
      subject: Type.String(),
      version: Type.Integer(),
      id: Type.Integer(),
      schema: AvroSchema,
    },
    { description: "One version of an entity's schema." },
  ),
);
