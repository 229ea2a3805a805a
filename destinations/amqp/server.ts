import { internalAddressProblem, isEndpoint } from '../../core/endpoint-rules.js';
import { checkTemplates, isTemplate, parseTemplate } from '../../core/field-template.js';
import { brokerMessages, unsentOutcome } from '../broker-message.js';
import { resolveForCheck } from '../endpoint-guard.js';
import { defineServerKind } from '../server-kind.js';
import { caProblem } from '../ca-rules.js';
import { amqp, tlsSchemes } from './kind.js';
import { createAmqpSender } from './sender.js';
import { parseAmqpUrl } from './url.js';

/**
 * RabbitMQ exchanges: the URL's host is resolved and checked like a webhook's, the routing key
 * against the subscribed types' fields; an attempt publishes a group of messages and waits for
 * the broker's confirms.
 */
export const amqpServer = defineServerKind({
  kind: amqp,
  check: async (settings, context) => {
    const endpoint = parseAmqpUrl(settings.url);
    const problems = checkTemplates(amqp.templates?.(settings) ?? [], context.subscribed);
    if (!isEndpoint(endpoint)) return [endpoint, ...problems];
    const addresses = await resolveForCheck('amqp.url', endpoint, context.allowedHosts);
    const internal = internalAddressProblem(endpoint, addresses, context.allowedHosts);
    if (internal !== undefined) problems.push({ field: 'amqp.url', message: internal });
    const ca = caProblem('amqp', endpoint.tls, settings.ssl_ca_pem, tlsSchemes);
    if (ca !== undefined) problems.push(ca);
    return problems;
  },
  createSender: (environment) => createAmqpSender({ logger: environment.logger, allowedHosts: environment.allowedHosts }),
  plan: (settings, sender, defaults) => {
    const template = parseTemplate(settings.routing_key);
    return {
      claim: { mode: 'group' },
      timeoutMs: defaults.timeoutMs,
      send: (unit) => {
        // Stored under older rules: refused before anything is sent, saying which setting.
        if (!isTemplate(template)) return unsentOutcome('invalid_settings', `amqp.routing_key: ${template.problem}`);
        const prepared = brokerMessages(unit.deliveries, template);
        if ('problem' in prepared) return unsentOutcome('template_failed', prepared.problem);
        return sender.send({
          destinationId: unit.destinationId,
          url: settings.url,
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
