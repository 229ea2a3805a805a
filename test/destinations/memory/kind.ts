import { Type } from 'typebox';
import { SafeInteger, SafeString } from '../../../core/request-schemas.js';
import { defineKind } from '../../../destinations/kind.js';

/**
 * A destination type that exists only in the tests: a sink that keeps events in memory. It is
 * laid out as a real type is (this folder is destinations/<type>/), and registered nowhere: the
 * tests that use it build the API's schemas, the CLI and the console form from a table with it.
 */
export const memory = defineKind({
  name: 'memory',
  label: 'Memory (kept in the streamer)',
  settings: Type.Object(
    {
      bucket: SafeString({ minLength: 1, maxLength: 100 }),
      capacity: Type.Optional(SafeInteger({ minimum: 1, maximum: 1000 })),
    },
    { additionalProperties: false },
  ),
  signed: false,
  target: (settings) => ({ name: settings.bucket }),
  fields: [
    { setting: 'bucket', id: 'dst-bucket', label: 'Bucket', input: 'text', required: true },
    { setting: 'capacity', id: 'dst-capacity', label: 'Capacity', input: 'integer' },
  ],
  flags: [
    { setting: 'bucket', flag: '--bucket <name>', description: 'the bucket the events are kept in' },
    { setting: 'capacity', flag: '--capacity <n>', description: 'most events kept', value: 'integer' },
  ],
});
