import { isEndpoint, parseEndpoint } from '../../core/endpoint-rules.js';
import { parseTemplate } from '../../core/field-template.js';
import { resolveForCheck } from '../endpoint-guard.js';
import { renderNames } from '../render-names.js';
import { defineServerKind } from '../server-kind.js';
import { mqtt } from './kind.js';
import { checkMqttSettings, mqttUrlRules, topicProblem } from './rules.js';
import { createMqttSender } from './sender.js';

/** MQTT brokers: the URL's host is resolved and checked; an attempt publishes a group of messages, each acknowledged. */
export const mqttServer = defineServerKind({
  kind: mqtt,
  check: async (settings, context) => {
    const endpoint = parseEndpoint(settings.url, mqttUrlRules);
    const addresses = await resolveForCheck('mqtt.url', isEndpoint(endpoint) ? endpoint : undefined, context.allowedHosts);
    return checkMqttSettings(settings, addresses, context.allowedHosts, context.subscribed);
  },
  createSender: (environment) => createMqttSender({ logger: environment.logger, allowedHosts: environment.allowedHosts }),
  plan: (settings, sender, defaults) => {
    const template = parseTemplate(settings.topic);
    return {
      claim: { mode: 'group' },
      timeoutMs: defaults.timeoutMs,
      send: async (unit) => {
        // The payload is the event JSON; the topic, checked again once rendered: a field's value is tenant input too.
        const messages = renderNames('mqtt.topic', template, unit.deliveries, topicProblem, (delivery, topic) => ({
          topic,
          payload: delivery.payload,
          deliveryId: delivery.id,
          eventId: delivery.eventId,
          eventType: delivery.eventType,
          contentType: delivery.contentType,
        }));
        if (!Array.isArray(messages)) return messages;
        return sender.send({
          destinationId: unit.destinationId,
          url: settings.url,
          username: settings.username,
          password: settings.password,
          caPem: settings.ssl_ca_pem,
          timeoutMs: defaults.timeoutMs,
          messages,
        });
      },
    };
  },
  release: (sender, destinationId) => sender.release(destinationId),
});
