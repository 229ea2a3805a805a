import { parseAmqpUrl, checkEndpointHost } from '../../core/endpoint-rules.js';
import { checkTemplate, isTemplate, parseTemplate } from '../../core/field-template.js';
import { brokerMessages, unsentOutcome } from '../broker-message.js';
import { resolveForCheck } from '../endpoint-guard.js';
import { defineServerKind } from '../server-kind.js';
import { amqp } from './kind.js';
import { createAmqpSender } from './sender.js';

/**
 * RabbitMQ exchanges: the URL's host is resolved and checked like a webhook's, the routing key
 * against the subscribed types' fields; an attempt publishes a group of messages and waits for
 * the broker's confirms.
 */
export const amqpServer = defineServerKind({
  kind: amqp,
  check: async (settings, context) => {
    const endpoint = parseAmqpUrl(settings.url);
    const problems = checkTemplate('amqp.routing_key', settings.routing_key, context.subscribed);
    if ('problem' in endpoint) return [{ field: 'amqp.url', message: `the URL ${endpoint.problem}` }, ...problems];
    const addresses = await resolveForCheck('amqp.url', endpoint.host, context.allowedHosts);
    problems.push(...checkEndpointHost('amqp.url', endpoint.host, addresses, context.allowedHosts));
    if (!endpoint.tls && settings.ssl_ca_pem !== undefined && settings.ssl_ca_pem !== null) {
      problems.push({ field: 'amqp.ssl_ca_pem', message: 'CA certificates are for amqps:// URLs; remove them or use amqps://' });
    }
    return problems;
  },
  createSender: (environment) => createAmqpSender({ logger: environment.logger, allowedHosts: environment.allowedHosts }),
  plan: (settings, sender, defaults) => {
    const endpoint = parseAmqpUrl(settings.url);
    const template = parseTemplate(settings.routing_key);
    return {
      claim: { mode: 'group' },
      timeoutMs: defaults.timeoutMs,
      send: (unit) => {
        // Stored under older rules: refused before anything is sent, saying which setting.
        if ('problem' in endpoint) return unsentOutcome('invalid_settings', `amqp.url: the URL ${endpoint.problem}`);
        if (!isTemplate(template)) return unsentOutcome('invalid_settings', `amqp.routing_key: ${template.problem}`);
        const prepared = brokerMessages(unit.deliveries, template);
        if ('problem' in prepared) return unsentOutcome('template_failed', prepared.problem);
        return sender.send({
          destinationId: unit.destinationId,
          endpoint,
          username: settings.username,
          password: settings.password,
          ca: settings.ssl_ca_pem ?? undefined,
          exchange: settings.exchange,
          timeoutMs: defaults.timeoutMs,
          messages: prepared.messages,
        });
      },
    };
  },
  release: (sender, destinationId) => sender.release(destinationId),
  health: (sender) => ({ amqp_connections: sender.openConnections() }),
});
