import { isIP } from 'node:net';
import type { DestinationProblem } from './destination-rules.js';
import { isInternalAddress } from './network-address.js';

/**
 * A broker's URL as a destination gives it (`redis://host:6379/0`, `mqtts://host`,
 * `amqps://host/vhost`, `nats://host`): a scheme the type speaks, a host, no credentials (they
 * are settings of their own, sealed at rest; inside the URL they would be answered and logged
 * with it), and the same address rules as webhooks (core/destination-rules.ts `checkWebhookUrl`):
 * never an internal address (loopback, private, link-local…) unless DESTINATION_ALLOWED_HOSTS
 * lists the host. Pure: the caller resolves the host and passes its addresses
 * (destinations/endpoint-guard.ts).
 */
export interface Endpoint {
  /** The scheme without its colon: `redis`, `mqtts`… */
  readonly scheme: string;
  /** Lower case, IPv6 without brackets. */
  readonly host: string;
  readonly port: number;
  /** Whether the scheme is the TLS one (`rediss`, `mqtts`, `wss`, `amqps`, `tls`). */
  readonly tls: boolean;
  /** The path, for the schemes that have one (a Redis database, an AMQP virtual host, a WebSocket path). */
  readonly path: string;
}

/** A scheme a type accepts: its default port, and whether it is spoken over TLS. */
export interface SchemeRule {
  readonly port: number;
  readonly tls: boolean;
}

export interface EndpointRules {
  /** The setting's name as a 400 names it: `redis.url`. */
  readonly field: string;
  /** The schemes accepted, the first one being the example a refusal gives. */
  readonly schemes: Readonly<Record<string, SchemeRule>>;
  /** The settings credentials belong in, as a refusal of a URL carrying them names them: `redis.username and redis.password`. */
  readonly credentials: string;
  /** Whether the URL may have a path (the type reads it). @defaultValue true */
  readonly path?: boolean;
}

/**
 * The URL's parts, or the first problem with it. `subject` is how a message names the URL: a
 * setting holding several (NATS's servers) says which one.
 */
export function parseEndpoint(text: string, rules: EndpointRules, subject = 'the URL'): Endpoint | DestinationProblem {
  const field = rules.field;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return { field, message: `${JSON.stringify(text)} is not a URL; use ${exampleOf(rules)}` };
  }
  const scheme = url.protocol.replace(/:$/, '');
  const rule = Object.hasOwn(rules.schemes, scheme) ? rules.schemes[scheme] : undefined;
  if (rule === undefined)
    return { field, message: `${subject}'s scheme must be ${Object.keys(rules.schemes).join(', ')} (got ${scheme}:)` };
  const host = url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (host === '') return { field, message: `${subject} names no host; use ${exampleOf(rules)}` };
  if (url.username !== '' || url.password !== '')
    return { field, message: `${subject} must not carry a user or password; give them as ${rules.credentials}` };
  if (url.search !== '' || url.hash !== '') return { field, message: `${subject} must not carry a query or fragment` };
  if (url.port === '0') return { field, message: `${subject} names port 0` };
  if (rules.path === false && url.pathname !== '' && url.pathname !== '/') return { field, message: `${subject} must not have a path` };
  return { scheme, host, port: url.port === '' ? rule.port : Number(url.port), tls: rule.tls, path: url.pathname };
}

export function isEndpoint(parsed: Endpoint | DestinationProblem): parsed is Endpoint {
  return !('message' in parsed);
}

/** How the delivery log names where a broker is: `host:port`, IPv6 in brackets. */
export const hostPort = (endpoint: Pick<Endpoint, 'host' | 'port'>): string =>
  `${isIP(endpoint.host) === 6 ? `[${endpoint.host}]` : endpoint.host}:${endpoint.port}`;

/**
 * Why `addresses` (what the host resolves to; the literal for an IP host) may not be reached,
 * or undefined when they may. The address itself is never named: the answer goes to the
 * destination's owner, who should learn nothing of the internal network.
 */
export function internalAddressProblem(
  endpoint: Pick<Endpoint, 'host'>,
  addresses: readonly string[],
  allowedHosts: ReadonlySet<string>,
): string | undefined {
  if (allowedHosts.has(endpoint.host)) return undefined;
  const literal = isIP(endpoint.host) !== 0;
  const internal = (literal ? [endpoint.host] : addresses).some((address) => isInternalAddress(address));
  if (!internal) return undefined;
  return `${endpoint.host} ${literal ? 'is' : 'resolves to'} an internal address (loopback, private, link-local or reserved); the operator must add the host to DESTINATION_ALLOWED_HOSTS to allow it`;
}

/** Every problem with a broker URL at create or update: its form, then where it resolves. */
export function checkEndpointUrl(
  text: string,
  rules: EndpointRules,
  addresses: readonly string[],
  allowedHosts: ReadonlySet<string>,
): DestinationProblem[] {
  const parsed = parseEndpoint(text, rules);
  if (!isEndpoint(parsed)) return [parsed];
  const problem = internalAddressProblem(parsed, addresses, allowedHosts);
  return problem === undefined ? [] : [{ field: rules.field, message: problem }];
}

function exampleOf(rules: EndpointRules): string {
  const [scheme, rule] = Object.entries(rules.schemes)[0] ?? ['tcp', { port: 0 }];
  return `${scheme}://host:${rule.port}`;
}
