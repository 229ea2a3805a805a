import type { DestinationProblem } from '../../core/destination-rules.js';
import { isEndpoint, parseEndpoint, type Endpoint, type EndpointRules } from '../../core/endpoint-rules.js';

/** amqp:// on 5672, amqps:// (TLS) on 5671, unless the URL names another port. */
export const amqpUrlRules: EndpointRules = {
  field: 'amqp.url',
  schemes: { amqp: { port: 5672, tls: false }, amqps: { port: 5671, tls: true } },
  credentials: 'amqp.username and amqp.password',
};

export interface AmqpEndpoint extends Endpoint {
  /** The virtual host, decoded; `/` when the URL names none. */
  readonly vhost: string;
}

/**
 * An AMQP 0-9-1 URL, `amqp://host[:port][/vhost]` or `amqps://…`, under the rules of every broker
 * URL (core/endpoint-rules.ts), its path being one virtual host, or what is wrong with it.
 */
export function parseAmqpUrl(text: string): AmqpEndpoint | DestinationProblem {
  const endpoint = parseEndpoint(text, amqpUrlRules);
  if (!isEndpoint(endpoint)) return endpoint;
  const field = amqpUrlRules.field;
  const path = endpoint.path.replace(/^\//, '');
  if (path.includes('/')) return { field, message: 'the URL names at most one virtual host after the host (encode a / in it as %2F)' };
  try {
    return { ...endpoint, vhost: path === '' ? '/' : decodeURIComponent(path) };
  } catch {
    return { field, message: 'the URL has a virtual host that is not valid percent-encoding' };
  }
}
