import type { DestinationProblem } from '../../core/destination-rules.js';
import { isEndpoint, parseEndpoint, type Endpoint, type EndpointRules } from '../../core/endpoint-rules.js';

/** nats:// and tls:// (TLS required), both on 4222 unless the URL names another port; no path. */
export const natsServerRules: EndpointRules = {
  field: 'nats.servers',
  schemes: { nats: { port: 4222, tls: false }, tls: { port: 4222, tls: true } },
  credentials: 'nats.user and nats.password, or nats.token',
  path: false,
};

/** Every server of `nats.servers` under the rules of every broker URL (core/endpoint-rules.ts), or the first problem, naming the server. */
export function parseNatsServers(
  servers: readonly string[],
): { readonly endpoints: Endpoint[] } | { readonly problem: DestinationProblem } {
  const endpoints: Endpoint[] = [];
  for (const text of servers) {
    const parsed = parseEndpoint(text, natsServerRules, `the server ${JSON.stringify(text)}`);
    if (!isEndpoint(parsed)) return { problem: parsed };
    endpoints.push(parsed);
  }
  return { endpoints };
}
