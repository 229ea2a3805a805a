import { isIP } from 'node:net';
import type { DestinationProblem } from './destination-rules.js';
import { isInternalAddress } from './network-address.js';

/**
 * A broker's URL as a destination gives it (`redis://host:6379/0`, `mqtts://host`): a scheme the
 * type speaks, a host, no credentials (they are settings of their own, sealed at rest; inside
 * the URL they would be answered and logged with it), and the same address rules as webhooks:
 * never an internal address (loopback, private, link-local…) unless DESTINATION_ALLOWED_HOSTS
 * lists the host. Pure: the caller resolves the host and passes its addresses.
 */
export interface Endpoint {
  /** The scheme without its colon: `redis`, `mqtts`… */
  readonly scheme: string;
  /** Lower case, IPv6 without brackets. */
  readonly host: string;
  readonly port: number;
  /** The path, for the schemes that have one (a Redis database number, a WebSocket path). */
  readonly path: string;
}

export interface EndpointRules {
  /** The setting's name as a 400 names it: `redis.url`. */
  readonly field: string;
  /** The schemes accepted and each one's default port. */
  readonly schemes: Readonly<Record<string, number>>;
}

/** The URL's parts, or the first problem with it. */
export function parseEndpoint(text: string, rules: EndpointRules): Endpoint | DestinationProblem {
  const field = rules.field;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return { field, message: `${JSON.stringify(text)} is not a URL; use ${exampleOf(rules)}` };
  }
  const scheme = url.protocol.replace(/:$/, '');
  const defaultPort = rules.schemes[scheme];
  if (defaultPort === undefined)
    return { field, message: `the URL's scheme must be ${Object.keys(rules.schemes).join(', ')} (got ${scheme}:)` };
  const host = url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (host === '') return { field, message: `the URL names no host; use ${exampleOf(rules)}` };
  if (url.username !== '' || url.password !== '')
    return { field, message: 'the URL must not carry a user or password; give them as the username and password settings' };
  if (url.search !== '' || url.hash !== '') return { field, message: 'the URL must not carry a query or fragment' };
  return { scheme, host, port: url.port === '' ? defaultPort : Number(url.port), path: url.pathname };
}

export function isEndpoint(parsed: Endpoint | DestinationProblem): parsed is Endpoint {
  return !('message' in parsed);
}

/**
 * Why `addresses` (what the host resolves to; the literal for an IP host) may not be reached,
 * or undefined when they may. The address itself is never named: the answer goes to the
 * destination's owner, who should learn nothing of the internal network.
 */
export function internalAddressProblem(
  endpoint: Endpoint,
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
  const [scheme, port] = Object.entries(rules.schemes)[0] ?? ['tcp', 0];
  return `${scheme}://host:${port}`;
}
