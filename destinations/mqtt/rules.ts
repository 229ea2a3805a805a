import type { DestinationProblem } from '../../core/destination-rules.js';
import { checkEndpointUrl, isEndpoint, parseEndpoint, type EndpointRules } from '../../core/endpoint-rules.js';
import type { SubscribedFields } from '../../core/event-fields.js';
import { checkTemplates, isTemplate, parseTemplate } from '../../core/field-template.js';
import { caProblem } from '../ca-rules.js';
import { mqtt, tlsSchemes } from './kind.js';

/** The transports MQTT.js speaks from Node, and each one's usual port. */
export const mqttUrlRules: EndpointRules = {
  field: 'mqtt.url',
  schemes: {
    mqtt: { port: 1883, tls: false },
    mqtts: { port: 8883, tls: true },
    ws: { port: 80, tls: false },
    wss: { port: 443, tls: true },
  },
  credentials: 'mqtt.username and mqtt.password',
};

/** MQTT's limit on a topic name: its length is a 16-bit count of UTF-8 bytes. */
const maxTopicBytes = 65_535;

/**
 * Why a topic may not be published to, or undefined. `+` and `#` are wildcards, valid in a
 * subscription and refused by brokers in a publish; a leading `$` is the broker's own space
 * (`$SYS`); NUL is forbidden by the protocol. Applied to the template's text at create and to
 * the rendered topic before each publish: a field's value is tenant input too.
 */
export function topicProblem(topic: string): string | undefined {
  if (topic === '') return 'the topic is empty';
  if (/[+#]/.test(topic)) return `the topic ${JSON.stringify(topic)} holds a wildcard (+ or #), which may not be published to`;
  if (topic.startsWith('$')) return `the topic ${JSON.stringify(topic)} starts with $, which is the broker's own (such as $SYS)`;
  if (topic.includes('\u0000')) return `the topic ${JSON.stringify(topic)} holds a NUL character`;
  if (new TextEncoder().encode(topic).length > maxTopicBytes) return 'the topic is longer than MQTT allows (65,535 bytes)';
  return undefined;
}

/**
 * An MQTT destination's settings, as the API checks them: the URL and where it resolves, the
 * topic's template against the fields of the subscribed types, and its fixed text (the braces
 * left out) against the topic rules. Pure: `addresses` are what the URL's host resolves to.
 */
export function checkMqttSettings(
  settings: { readonly url: string; readonly topic: string; readonly ssl_ca_pem?: string | null },
  addresses: readonly string[],
  allowedHosts: ReadonlySet<string>,
  subscribed: SubscribedFields,
): DestinationProblem[] {
  const problems = [...checkEndpointUrl(settings.url, mqttUrlRules, addresses, allowedHosts)];
  const endpoint = parseEndpoint(settings.url, mqttUrlRules);
  const ca = isEndpoint(endpoint) ? caProblem('mqtt', endpoint.tls, settings.ssl_ca_pem, tlsSchemes) : undefined;
  if (ca !== undefined) problems.push(ca);
  const template = parseTemplate(settings.topic);
  const templateProblems = checkTemplates(mqtt.templates?.(settings) ?? [], subscribed);
  if (isTemplate(template)) {
    const fixed = template.parts.map((part) => (part.kind === 'text' ? part.text : 'x')).join('');
    const problem = topicProblem(fixed);
    if (problem !== undefined)
      problems.push({ field: 'mqtt.topic', message: problem.replace(JSON.stringify(fixed), JSON.stringify(settings.topic)) });
  }
  return [...problems, ...templateProblems];
}
