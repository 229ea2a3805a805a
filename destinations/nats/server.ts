import { internalAddressProblem } from '../../core/endpoint-rules.js';
import type { DestinationProblem } from '../../core/destination-rules.js';
import { checkTemplates, isTemplate, parseTemplate } from '../../core/field-template.js';
import { brokerMessages, unsentOutcome } from '../broker-message.js';
import { resolveForCheck } from '../endpoint-guard.js';
import { defineServerKind } from '../server-kind.js';
import { caProblem } from '../ca-rules.js';
import { nats, tlsSchemes } from './kind.js';
import { createNatsSender } from './sender.js';
import { parseNatsServers } from './servers.js';
import { subjectProblem } from './subject.js';

/**
 * NATS JetStream subjects: each server's host is resolved and checked like a webhook's, the
 * subject against the subscribed types' fields; an attempt publishes a group of messages and
 * waits for every stream acknowledgement.
 */
export const natsServer = defineServerKind({
  kind: nats,
  check: async (settings, context) => {
    const problems = [...checkTemplates(nats.templates?.(settings) ?? [], context.subscribed), ...checkSubjectText(settings.subject)];
    if (settings.token !== undefined && settings.user !== undefined) {
      problems.push({ field: 'nats.token', message: 'give either nats.token or nats.user and nats.password, not both' });
    }
    if (settings.password !== undefined && settings.user === undefined) {
      problems.push({ field: 'nats.password', message: 'a password needs nats.user' });
    }
    const servers = parseNatsServers(settings.servers);
    if ('problem' in servers) return [servers.problem, ...problems];
    const ca = caProblem(
      'nats',
      servers.endpoints.some((server) => server.tls),
      settings.ssl_ca_pem,
      tlsSchemes,
    );
    if (ca !== undefined) problems.push(ca);
    for (const server of servers.endpoints) {
      const addresses = await resolveForCheck('nats.servers', server, context.allowedHosts);
      const internal = internalAddressProblem(server, addresses, context.allowedHosts);
      if (internal !== undefined) problems.push({ field: 'nats.servers', message: internal });
    }
    return problems;
  },
  createSender: (environment) => createNatsSender({ logger: environment.logger, allowedHosts: environment.allowedHosts }),
  plan: (settings, sender, defaults) => {
    const servers = parseNatsServers(settings.servers);
    const template = parseTemplate(settings.subject);
    return {
      claim: { mode: 'group' },
      timeoutMs: defaults.timeoutMs,
      send: (unit) => {
        // Stored under older rules: refused before anything is sent, saying which setting.
        if ('problem' in servers) return unsentOutcome('invalid_settings', `${servers.problem.field}: ${servers.problem.message}`);
        if (!isTemplate(template)) return unsentOutcome('invalid_settings', `nats.subject: ${template.problem}`);
        const prepared = brokerMessages(unit.deliveries, template);
        if ('problem' in prepared) return unsentOutcome('template_failed', prepared.problem);
        return sender.send({
          destinationId: unit.destinationId,
          servers: servers.endpoints,
          user: settings.user,
          password: settings.password,
          token: settings.token,
          caPem: settings.ssl_ca_pem,
          timeoutMs: defaults.timeoutMs,
          messages: prepared.messages,
        });
      },
    };
  },
  release: (sender, destinationId) => sender.release(destinationId),
  health: (sender) => ({ nats_connections: sender.openConnections() }),
});

/** The subject's fixed text, with each field standing for one token: a wildcard or an empty token is wrong whatever the event. */
function checkSubjectText(subject: string): DestinationProblem[] {
  const template = parseTemplate(subject);
  if (!isTemplate(template)) return [];
  const sample = template.parts.map((part) => (part.kind === 'text' ? part.text : 'x')).join('');
  const problem = subjectProblem(sample);
  return problem === undefined ? [] : [{ field: 'nats.subject', message: `the subject ${problem}` }];
}
