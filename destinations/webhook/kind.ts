import { Type, type Static } from 'typebox';
import { SafeInteger, SafeRecord, SafeString } from '../../core/request-schemas.js';
import { defineKind } from '../kind.js';

/** A signed HTTPS POST of each event, or of a JSON array of them in batch mode. */
export const WebhookSettings = Type.Object(
  {
    url: SafeString({ minLength: 1, maxLength: 2000, description: 'https URL (http only for DESTINATION_ALLOWED_HOSTS).' }),
    headers: Type.Optional(SafeRecord(SafeString({ maxLength: 2000 }, 'tab'), { description: 'Extra headers sent with every delivery.' })),
    timeout_ms: Type.Optional(
      SafeInteger({ minimum: 1000, maximum: 60_000, description: 'A 2xx must arrive within this. Default 15,000.' }),
    ),
    batch: Type.Optional(
      Type.Union([
        Type.Object(
          {
            max_events: SafeInteger({ minimum: 1, maximum: 1000, description: 'Most events in one POST (a JSON array).' }),
            max_wait_ms: SafeInteger({
              minimum: 0,
              maximum: 60_000,
              description: 'How long the first event of a batch may wait for more before the batch is sent.',
            }),
          },
          { additionalProperties: false, description: 'Batch mode: events are posted as JSON arrays, each signed as one message.' },
        ),
        Type.Null(),
      ]),
    ),
  },
  { additionalProperties: false },
);
export type WebhookSettings = Static<typeof WebhookSettings>;

export const webhook = defineKind({
  name: 'webhook',
  label: 'Webhook (signed HTTPS POST)',
  settings: WebhookSettings,
  signed: true,
  target: (settings) => ({ name: settings.url }),
  fields: [
    { setting: 'url', id: 'dst-url', label: 'URL', input: 'url', placeholder: 'https://hooks.example.com/events', required: true },
    { setting: 'timeout_ms', id: 'dst-timeout', label: 'Timeout (ms)', input: 'integer', placeholder: '15000', noun: 'The timeout' },
    { setting: 'headers', id: 'dst-headers', label: 'Extra headers', input: 'headers', placeholder: 'x-team: billing' },
  ],
  flags: [
    { setting: 'url', flag: '--url <url>', description: 'the https URL events are POSTed to' },
    {
      setting: 'headers',
      flag: '--header <name:value>',
      description: 'an extra header on every delivery (repeatable)',
      onUpdate: 'an extra header on every delivery (repeatable; replaces all headers)',
      value: 'header',
    },
    {
      setting: 'timeout_ms',
      flag: '--timeout-ms <ms>',
      description: 'how long a 2xx may take, 1000 to 60000 (default 15000)',
      value: 'integer',
    },
    { setting: 'batch.max_events', flag: '--batch-max-events <n>', description: 'most events in one request', value: 'integer' },
    {
      setting: 'batch.max_wait_ms',
      flag: '--batch-max-wait-ms <ms>',
      description: 'longest an event waits for a batch to fill',
      value: 'integer',
    },
  ],
});
