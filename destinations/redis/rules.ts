import type { DestinationProblem } from '../../core/destination-rules.js';
import { checkEndpointUrl, isEndpoint, parseEndpoint, type EndpointRules } from '../../core/endpoint-rules.js';
import type { SubscribedFields } from '../../core/event-fields.js';
import { checkTemplates } from '../../core/field-template.js';
import { caProblem } from '../ca-rules.js';
import { redis, tlsSchemes } from './kind.js';

/** redis:// and rediss:// (TLS), both on Redis's port unless the URL names another. */
export const redisUrlRules: EndpointRules = {
  field: 'redis.url',
  schemes: { redis: { port: 6379, tls: false }, rediss: { port: 6379, tls: true } },
  credentials: 'redis.username and redis.password',
};

/**
 * A Redis destination's settings, as the API checks them: the URL (with a database number as its
 * path, if any) and where it resolves, and the stream key's template against the fields of the
 * subscribed types. Pure: `addresses` are what the URL's host resolves to.
 */
export function checkRedisSettings(
  settings: { readonly url: string; readonly stream: string; readonly ssl_ca_pem?: string | null },
  addresses: readonly string[],
  allowedHosts: ReadonlySet<string>,
  subscribed: SubscribedFields,
): DestinationProblem[] {
  const problems = checkEndpointUrl(settings.url, redisUrlRules, addresses, allowedHosts);
  const endpoint = parseEndpoint(settings.url, redisUrlRules);
  if (isEndpoint(endpoint) && !/^\/?(\d{1,5})?$/.test(endpoint.path)) {
    problems.push({ field: 'redis.url', message: `the URL's path is the database number (/0, /1…), not ${JSON.stringify(endpoint.path)}` });
  }
  const ca = isEndpoint(endpoint) ? caProblem('redis', endpoint.tls, settings.ssl_ca_pem, tlsSchemes) : undefined;
  if (ca !== undefined) problems.push(ca);
  return [...problems, ...checkTemplates(redis.templates?.(settings) ?? [], subscribed)];
}

/** Why a rendered stream key cannot be written, or undefined: empty, or with control characters that would garble the delivery log. */
export function streamKeyProblem(key: string): string | undefined {
  if (key === '') return 'the stream key rendered empty';
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(key)) return `the stream key ${JSON.stringify(key)} holds a control character`;
  if (new TextEncoder().encode(key).length > 1024) return 'the stream key rendered longer than 1,024 bytes';
  return undefined;
}
