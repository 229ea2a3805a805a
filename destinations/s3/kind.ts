import { Type, type Static } from 'typebox';
import { SafeString } from '../../core/request-schemas.js';
import { awsFields, awsFlags, awsSecrets, awsSettings, awsTarget, batchSettings } from '../aws/settings.js';
import { defineKind } from '../kind.js';

/** Batches of events as NDJSON objects in a bucket of S3 or an S3-compatible store. */
export const S3Settings = Type.Object(
  {
    bucket: SafeString({ minLength: 3, maxLength: 63, description: 'The bucket written to.' }),
    ...awsSettings,
    key_template: Type.Optional(
      SafeString({
        minLength: 1,
        maxLength: 500,
        description:
          "The objects' key before the batch id: event fields ({type}, {entity_type}…) of the batch's first event and its UTC time ({yyyy}/{mm}/{dd}/{hh}/{mi}). Default events/{yyyy}/{mm}/{dd}/{hh}/.",
      }),
    ),
    gzip: Type.Optional(Type.Boolean({ description: 'Whether objects are gzipped (`.ndjson.gz`, Content-Encoding gzip). Default false.' })),
    force_path_style: Type.Optional(
      Type.Boolean({ description: 'Address the bucket in the path (host/bucket/key), as many S3-compatible stores want. Default false.' }),
    ),
    ...batchSettings(10_000, 'Most events in one object. Default 1,000.'),
  },
  { additionalProperties: false },
);
export type S3Settings = Static<typeof S3Settings>;

/** The objects' key before the batch id when none is given. */
export const defaultKeyTemplate = 'events/{yyyy}/{mm}/{dd}/{hh}/';

export const s3 = defineKind({
  name: 's3',
  label: 'S3 bucket (NDJSON objects)',
  settings: S3Settings,
  signed: false,
  secrets: awsSecrets,
  target: (settings) => awsTarget(settings.bucket, settings),
  templates: (settings) => [{ field: 's3.key_template', text: settings.key_template ?? defaultKeyTemplate, time: true }],
  fields: [
    { setting: 'bucket', id: 'dst-s3-bucket', label: 'Bucket', input: 'text', required: true },
    ...awsFields('s3'),
    {
      setting: 'key_template',
      id: 'dst-s3-key-template',
      label: 'Key template',
      input: 'text',
      placeholder: 'events/{yyyy}/{mm}/{dd}/{hh}/',
    },
    { setting: 'gzip', id: 'dst-s3-gzip', label: 'Gzip objects', input: 'checkbox', checked: false },
    { setting: 'force_path_style', id: 'dst-s3-force-path-style', label: 'Path-style addressing', input: 'checkbox', checked: false },
    {
      setting: 'max_events',
      id: 'dst-s3-max-events',
      label: 'Events per object',
      input: 'integer',
      placeholder: '1000',
      noun: 'Events per object',
    },
    {
      setting: 'max_wait_ms',
      id: 'dst-s3-max-wait',
      label: 'Longest wait (ms)',
      input: 'integer',
      placeholder: '60000',
      noun: 'The longest wait',
    },
  ],
  flags: [
    { setting: 'bucket', flag: '--s3-bucket <bucket>', description: 'the bucket written to' },
    ...awsFlags('s3'),
    {
      setting: 'key_template',
      flag: '--s3-key-template <template>',
      description: "the objects' key before the batch id, e.g. events/{type}/{yyyy}/{mm}/",
    },
    { setting: 'gzip', flag: '--s3-gzip <true|false>', description: 'gzip the objects', value: 'boolean' },
    {
      setting: 'force_path_style',
      flag: '--s3-force-path-style <true|false>',
      description: 'path-style bucket addressing',
      value: 'boolean',
    },
    { setting: 'max_events', flag: '--s3-max-events <n>', description: 'most events in one object', value: 'integer' },
    {
      setting: 'max_wait_ms',
      flag: '--s3-max-wait-ms <ms>',
      description: 'longest an event waits for its object to fill',
      value: 'integer',
    },
  ],
});
