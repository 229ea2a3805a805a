import { Type, type Static } from 'typebox';
import { SafeString } from '../../core/request-schemas.js';
import { defineKind } from '../kind.js';
import { caField, caFlag, caSetting } from '../url-credentials.js';

/** The URLs that speak TLS, and may trust CAs of their own. */
export const tlsSchemes = ['amqps:'] as const;

/** Each event as a persistent message published to a RabbitMQ exchange (AMQP 0-9-1), confirmed by the broker. */
export const AmqpSettings = Type.Object(
  {
    url: SafeString({
      minLength: 1,
      maxLength: 2_000,
      description:
        'amqp://host[:port][/vhost] or amqps://… (TLS), without user or password (those are amqp.username and amqp.password). Never an internal address unless the operator allows the host (DESTINATION_ALLOWED_HOSTS).',
    }),
    username: Type.Optional(SafeString({ minLength: 1, maxLength: 255, description: 'The user to log in as (PLAIN). Default guest.' })),
    password: Type.Optional(
      SafeString({
        minLength: 1,
        maxLength: 1_024,
        description: 'The password. Sealed at rest and never answered (answers say "set"); give it again to change the URL or the user.',
      }),
    ),
    exchange: SafeString({
      maxLength: 255,
      description: 'The exchange published to; "" is the default exchange, which routes to the queue named by the routing key.',
    }),
    routing_key: SafeString({
      minLength: 1,
      maxLength: 255,
      description:
        'The routing key, a template of the event\'s fields such as "events.{type}" or "{entity_type}.{data.status}"; every subscribed event type must have the fields named.',
    }),
    ...caSetting(tlsSchemes),
  },
  { additionalProperties: false },
);
export type AmqpSettings = Static<typeof AmqpSettings>;

export const amqp = defineKind({
  name: 'amqp',
  label: 'RabbitMQ exchange (AMQP)',
  settings: AmqpSettings,
  signed: false,
  // The password goes to the broker of the URL: another broker, or another user, must be given it again.
  secrets: [{ setting: 'password', boundTo: ['url', 'username'] }],
  templates: (settings) => [{ field: 'amqp.routing_key', text: settings.routing_key }],
  target: (settings) => ({
    name: `${settings.exchange === '' ? '(default exchange)' : settings.exchange} ${settings.routing_key}`,
    on: settings.url,
  }),
  fields: [
    { setting: 'url', id: 'dst-amqp-url', label: 'Broker URL', input: 'text', placeholder: 'amqps://rabbit.example.com:5671/vhost' },
    { setting: 'username', id: 'dst-amqp-username', label: 'User', input: 'text' },
    { setting: 'password', id: 'dst-amqp-password', label: 'Password', input: 'password' },
    { setting: 'exchange', id: 'dst-amqp-exchange', label: 'Exchange', input: 'text', placeholder: 'events (empty: the default exchange)' },
    { setting: 'routing_key', id: 'dst-amqp-routing-key', label: 'Routing key', input: 'text', placeholder: 'events.{type}' },
    caField('amqp', tlsSchemes),
  ],
  flags: [
    { setting: 'url', flag: '--amqp-url <url>', description: 'amqp://host:port/vhost or amqps://…, without user or password' },
    { setting: 'username', flag: '--amqp-username <user>', description: 'the user to log in as' },
    {
      setting: 'password',
      flag: '--amqp-password-file <file>',
      description: 'a file holding the password (one line)',
      onUpdate: 'a file holding the password; needed again to change the URL or the user',
      value: 'file',
    },
    { setting: 'exchange', flag: '--amqp-exchange <name>', description: 'the exchange published to ("" for the default exchange)' },
    { setting: 'routing_key', flag: '--amqp-routing-key <template>', description: 'the routing key, e.g. events.{type}' },
    caFlag('amqp'),
  ],
});
