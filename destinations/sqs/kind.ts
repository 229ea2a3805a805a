import { Type, type Static } from 'typebox';
import { SafeString } from '../../core/request-schemas.js';
import { awsFields, awsFlags, awsSettings, awsTarget } from '../aws/settings.js';
import { defineKind } from '../kind.js';

/** Each event as a message of an Amazon SQS queue (standard or FIFO). */
export const SqsSettings = Type.Object(
  {
    queue_url: SafeString({
      minLength: 1,
      maxLength: 2000,
      description:
        "The queue's URL, e.g. https://sqs.eu-west-1.amazonaws.com/123456789012/orders (.fifo for a FIFO queue). Held to the endpoint's rules.",
    }),
    ...awsSettings,
  },
  { additionalProperties: false },
);
export type SqsSettings = Static<typeof SqsSettings>;

export const sqs = defineKind({
  name: 'sqs',
  label: 'Amazon SQS queue',
  settings: SqsSettings,
  signed: false,
  // The queue's URL is where the requests go, like the endpoint.
  secrets: [{ setting: 'secret_access_key', boundTo: ['endpoint', 'queue_url'] }],
  target: (settings) => awsTarget(settings.queue_url, settings),
  fields: [
    {
      setting: 'queue_url',
      id: 'dst-sqs-queue-url',
      label: 'Queue URL',
      input: 'url',
      required: true,
      placeholder: 'https://sqs.eu-west-1.amazonaws.com/123456789012/orders',
    },
    ...awsFields('sqs'),
  ],
  flags: [{ setting: 'queue_url', flag: '--sqs-queue-url <url>', description: "the queue's URL" }, ...awsFlags('sqs')],
});
