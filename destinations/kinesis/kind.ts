import { Type, type Static } from 'typebox';
import { SafeString } from '../../core/request-schemas.js';
import { awsFields, awsFlags, awsSecrets, awsSettings, awsTarget } from '../aws/settings.js';
import { defineKind } from '../kind.js';

/** Each event as a record of an Amazon Kinesis data stream, its partition key the entity id. */
export const KinesisSettings = Type.Object(
  {
    stream_name: SafeString({ minLength: 1, maxLength: 128, description: "The stream's name (letters, digits, _ . -)." }),
    ...awsSettings,
  },
  { additionalProperties: false },
);
export type KinesisSettings = Static<typeof KinesisSettings>;

export const kinesis = defineKind({
  name: 'kinesis',
  label: 'Amazon Kinesis data stream',
  settings: KinesisSettings,
  signed: false,
  secrets: awsSecrets,
  target: (settings) => awsTarget(settings.stream_name, settings),
  fields: [{ setting: 'stream_name', id: 'dst-kinesis-stream', label: 'Stream', input: 'text', required: true }, ...awsFields('kinesis')],
  flags: [{ setting: 'stream_name', flag: '--kinesis-stream <name>', description: 'the stream written to' }, ...awsFlags('kinesis')],
});
