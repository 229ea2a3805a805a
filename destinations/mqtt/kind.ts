import { Type, type Static } from 'typebox';
import { SafeString } from '../../core/request-schemas.js';
import { defineKind } from '../kind.js';
import { caField, caFlag, caSetting, credentialFields, credentialFlags, credentialSettings, passwordSecret } from '../url-credentials.js';

/** The URLs that speak TLS, and may trust CAs of their own. */
export const tlsSchemes = ['mqtts:', 'wss:'] as const;

/** Each event published to an MQTT broker with QoS 1, the topic made from the event's fields. */
export const MqttSettings = Type.Object(
  {
    url: SafeString({
      minLength: 1,
      maxLength: 2000,
      description:
        'mqtt://host:port, mqtts:// (TLS: the system CAs, or ssl_ca_pem), ws:// or wss:// (MQTT over WebSocket, with its path). No user or password inside: give them as username and password. Internal addresses only for hosts in DESTINATION_ALLOWED_HOSTS.',
    }),
    topic: SafeString({
      minLength: 1,
      maxLength: 1024,
      description:
        "The topic published to, a template of the event's fields: events/{entity_type}/{entity_id}. No + or # wildcards, no leading $, in the text or in what the fields put in it.",
    }),
    ...credentialSettings('The user the client connects as.'),
    ...caSetting(tlsSchemes),
  },
  { additionalProperties: false },
);
export type MqttSettings = Static<typeof MqttSettings>;

export const mqtt = defineKind({
  name: 'mqtt',
  label: 'MQTT topic',
  settings: MqttSettings,
  signed: false,
  secrets: passwordSecret,
  target: (settings) => ({ name: settings.topic, on: settings.url }),
  templates: (settings) => [{ field: 'mqtt.topic', text: settings.topic }],
  fields: [
    {
      setting: 'url',
      id: 'dst-mqtt-url',
      label: 'Broker URL',
      input: 'url',
      placeholder: 'mqtts://broker.example.com:8883',
      required: true,
    },
    { setting: 'topic', id: 'dst-mqtt-topic', label: 'Topic', input: 'text', placeholder: 'events/{entity_type}/{entity_id}' },
    ...credentialFields('mqtt'),
    caField('mqtt', tlsSchemes),
  ],
  flags: [
    { setting: 'url', flag: '--mqtt-url <url>', description: 'mqtt://, mqtts://, ws:// or wss:// URL of the broker' },
    { setting: 'topic', flag: '--mqtt-topic <topic>', description: 'the topic, a template such as events/{entity_type}' },
    ...credentialFlags('mqtt', 'the user the client connects as'),
    caFlag('mqtt'),
  ],
});
