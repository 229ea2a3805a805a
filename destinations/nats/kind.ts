import { Type, type Static } from 'typebox';
import { SafeString } from '../../core/request-schemas.js';
import { defineKind } from '../kind.js';
import { caField, caFlag, caSetting } from '../url-credentials.js';

/** The URLs that speak TLS, and may trust CAs of their own. */
export const tlsSchemes = ['tls:'] as const;

/** Each event as a message published to a NATS JetStream subject, acknowledged by the stream that stores it. */
export const NatsSettings = Type.Object(
  {
    servers: Type.Array(SafeString({ minLength: 1, maxLength: 300 }), {
      minItems: 1,
      maxItems: 10,
      description:
        'Servers of one cluster, nats://host[:port] or tls://host[:port] (TLS required: the system CAs, or ssl_ca_pem), without user, password or token. Never an internal address unless the operator allows the host (DESTINATION_ALLOWED_HOSTS).',
    }),
    subject: SafeString({
      minLength: 1,
      maxLength: 255,
      description:
        'The subject published to, a template of the event\'s fields such as "events.{type}"; a stream must listen on it. Every subscribed event type must have the fields named.',
    }),
    user: Type.Optional(SafeString({ minLength: 1, maxLength: 255, description: 'The user, with nats.password.' })),
    password: Type.Optional(
      SafeString({
        minLength: 1,
        maxLength: 1_024,
        description:
          'The password of nats.user. Sealed at rest and never answered (answers say "set"); give it again to change the servers or the user.',
      }),
    ),
    token: Type.Optional(
      SafeString({
        minLength: 1,
        maxLength: 1_024,
        description:
          'A token, instead of a user and password. Sealed at rest and never answered (answers say "set"); give it again to change the servers.',
      }),
    ),
    ...caSetting(tlsSchemes),
  },
  { additionalProperties: false },
);
export type NatsSettings = Static<typeof NatsSettings>;

export const nats = defineKind({
  name: 'nats',
  label: 'NATS JetStream subject',
  settings: NatsSettings,
  signed: false,
  // Credentials go to the servers named: other servers, or another user, must be given them again.
  secrets: [
    { setting: 'password', boundTo: ['servers', 'user'] },
    { setting: 'token', boundTo: ['servers'] },
  ],
  target: (settings) => ({ name: settings.subject, on: settings.servers.join(', ') }),
  templates: (settings) => [{ field: 'nats.subject', text: settings.subject }],
  fields: [
    { setting: 'servers', id: 'dst-nats-servers', label: 'Servers', input: 'list', placeholder: 'nats://nats-1:4222, nats://nats-2:4222' },
    { setting: 'subject', id: 'dst-nats-subject', label: 'Subject', input: 'text', placeholder: 'events.{type}' },
    { setting: 'user', id: 'dst-nats-user', label: 'User', input: 'text' },
    { setting: 'password', id: 'dst-nats-password', label: 'Password', input: 'password' },
    { setting: 'token', id: 'dst-nats-token', label: 'Token (instead of a user)', input: 'password' },
    caField('nats', tlsSchemes, 'servers'),
  ],
  flags: [
    { setting: 'servers', flag: '--nats-servers <list>', description: 'servers, comma-separated nats://host:port', value: 'list' },
    { setting: 'subject', flag: '--nats-subject <template>', description: 'the subject published to, e.g. events.{type}' },
    { setting: 'user', flag: '--nats-user <user>', description: 'the user' },
    {
      setting: 'password',
      flag: '--nats-password-file <file>',
      description: "a file holding the user's password (one line)",
      onUpdate: "a file holding the user's password; needed again to change the servers or the user",
      value: 'file',
    },
    {
      setting: 'token',
      flag: '--nats-token-file <file>',
      description: 'a file holding a token (one line), instead of a user',
      onUpdate: 'a file holding a token; needed again to change the servers',
      value: 'file',
    },
    caFlag('nats'),
  ],
});
