import { isIP } from 'node:net';
import type { DestinationProblem } from './destination-rules.js';
import { isInternalAddress } from './network-address.js';

/**
 * Where a broker destination (RabbitMQ, NATS) connects: its URLs parsed, and the same address
 * rule as webhooks (core/destination-rules.ts `checkWebhookUrl`): never an internal address
 * (loopback, private, link-local…) unless the operator allows the host (DESTINATION_ALLOWED_HOSTS).
 * Credentials never ride in a URL here: a URL is answered and logged, a password setting is sealed.
 * Pure: the caller resolves host names.
 */
export interface Endpoint {
  /** Lower case, without IPv6 brackets. */
  readonly host: string;
  readonly port: number;
  readonly tls: boolean;
}

export interface AmqpEndpoint extends Endpoint {
  /** The virtual host, decoded; `/` when the URL names none. */
  readonly vhost: string;
}

/** How a host is shown in a message: IPv6 in brackets. */
export const hostPort = (endpoint: Endpoint): string =>
  `${isIP(endpoint.host) === 6 ? `[${endpoint.host}]` : endpoint.host}:${endpoint.port}`;

/** An AMQP 0-9-1 URL, `amqp://host[:port][/vhost]` or `amqps://…`, or what is wrong with it. */
export function parseAmqpUrl(text: string): AmqpEndpoint | { readonly problem: string } {
  const url = parseUrl(text);
  if (url === undefined) return { problem: 'is not a URL; use amqp://host:5672/vhost or amqps://host:5671/vhost' };
  if (url.protocol !== 'amqp:' && url.protocol !== 'amqps:') return { problem: `must be amqp:// or amqps:// (got ${url.protocol})` };
  const common = commonProblem(url, 'amqp.username and amqp.password');
  if (common !== undefined) return { problem: common };
  const path = url.pathname.replace(/^\//, '');
  if (path.includes('/')) return { problem: 'names at most one virtual host after the host (encode a / in it as %2F)' };
  let vhost: string;
  try {
    vhost = path === '' ? '/' : decodeURIComponent(path);
  } catch {
    return { problem: 'has a virtual host that is not valid percent-encoding' };
  }
  const tls = url.protocol === 'amqps:';
  return { host: hostOf(url), port: url.port === '' ? (tls ? 5671 : 5672) : Number(url.port), tls, vhost };
}

/** A NATS server URL, `nats://host[:port]` or `tls://host[:port]` (TLS required), or what is wrong with it. */
export function parseNatsServer(text: string): Endpoint | { readonly problem: string } {
  const url = parseUrl(text);
  if (url === undefined) return { problem: 'is not a URL; use nats://host:4222 or tls://host:4222' };
  if (url.protocol !== 'nats:' && url.protocol !== 'tls:') return { problem: `must be nats:// or tls:// (got ${url.protocol})` };
  const common = commonProblem(url, 'nats.user and nats.password, or nats.token');
  if (common !== undefined) return { problem: common };
  if (url.pathname !== '' && url.pathname !== '/') return { problem: 'must not have a path' };
  return { host: hostOf(url), port: url.port === '' ? 4222 : Number(url.port), tls: url.protocol === 'tls:' };
}

/**
 * The problem with connecting to `host`, whose addresses are `addresses` (the host itself for an
 * IP): an internal address unless the host is allowed. The address a name resolves to is not
 * named: it would tell an API user about the internal network.
 */
export function checkEndpointHost(
  field: string,
  host: string,
  addresses: readonly string[],
  allowedHosts: ReadonlySet<string>,
): DestinationProblem[] {
  if (allowedHosts.has(host)) return [];
  const ip = isIP(host) !== 0;
  const internal = (ip ? [host] : addresses).find((address) => isInternalAddress(address));
  if (internal === undefined) return [];
  return [
    {
      field,
      message: `${host} ${ip ? 'is' : 'resolves to'} an internal address (loopback, private, link-local or reserved); the operator must add the host to DESTINATION_ALLOWED_HOSTS to allow it`,
    },
  ];
}

function parseUrl(text: string): URL | undefined {
  try {
    return new URL(text);
  } catch {
    return undefined;
  }
}

function hostOf(url: URL): string {
  return url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
}

function commonProblem(url: URL, credentialSettings: string): string | undefined {
  if (url.username !== '' || url.password !== '') return `must not carry a user or password; give them as ${credentialSettings}`;
  if (url.hostname === '') return 'names no host';
  if (url.search !== '' || url.hash !== '') return 'must not have a query or a fragment';
  if (url.port === '0') return 'names port 0';
  return undefined;
}
