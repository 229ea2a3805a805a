import { Type, type Static } from 'typebox';
import { SafeInteger, SafeString } from '../../core/request-schemas.js';
import { defineKind } from '../kind.js';
import { caField, caFlag, caSetting, credentialFields, credentialFlags, credentialSettings, passwordSecret } from '../url-credentials.js';

/** The URLs that speak TLS, and may trust CAs of their own. */
export const tlsSchemes = ['rediss:'] as const;

/** Each event as an entry of a Redis stream (XADD), the stream's key made from the event's fields. */
export const RedisSettings = Type.Object(
  {
    url: SafeString({
      minLength: 1,
      maxLength: 2000,
      description:
        'redis://host:port/db, or rediss:// for TLS (the system CAs, or ssl_ca_pem). No user or password inside: give them as username and password. Internal addresses only for hosts in DESTINATION_ALLOWED_HOSTS.',
    }),
    stream: SafeString({
      minLength: 1,
      maxLength: 512,
      description: "The stream's key, a template of the event's fields: events:{entity_type}, orders:{data.customer_id}.",
    }),
    max_len: Type.Optional(
      SafeInteger({
        minimum: 1,
        maximum: 1_000_000_000,
        description: 'Trims each stream to about this many entries (XADD MAXLEN ~ n); unbounded by default.',
      }),
    ),
    ...credentialSettings("The ACL user; Redis's default user when absent."),
    ...caSetting(tlsSchemes),
  },
  { additionalProperties: false },
);
export type RedisSettings = Static<typeof RedisSettings>;

export const redis = defineKind({
  name: 'redis',
  label: 'Redis stream',
  settings: RedisSettings,
  signed: false,
  secrets: passwordSecret,
  target: (settings) => ({ name: settings.stream, on: settings.url }),
  templates: (settings) => [{ field: 'redis.stream', text: settings.stream }],
  fields: [
    {
      setting: 'url',
      id: 'dst-redis-url',
      label: 'Redis URL',
      input: 'url',
      placeholder: 'rediss://redis.example.com:6379/0',
      required: true,
    },
    { setting: 'stream', id: 'dst-redis-stream', label: 'Stream key', input: 'text', placeholder: 'events:{entity_type}' },
    { setting: 'max_len', id: 'dst-redis-max-len', label: 'Trim to about (entries)', input: 'integer', noun: 'The trim length' },
    ...credentialFields('redis'),
    caField('redis', tlsSchemes),
  ],
  flags: [
    { setting: 'url', flag: '--redis-url <url>', description: 'redis://host:port/db or rediss:// (TLS)' },
    { setting: 'stream', flag: '--redis-stream <key>', description: "the stream's key, a template such as events:{entity_type}" },
    { setting: 'max_len', flag: '--redis-max-len <n>', description: 'trim each stream to about n entries', value: 'integer' },
    ...credentialFlags('redis', 'the ACL user'),
    caFlag('redis'),
  ],
});
