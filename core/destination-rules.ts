import { expandPatterns } from './event-types.js';
import { isInternalAddress } from './network-address.js';
import { createEventId } from './ids.js';
import { isIP } from 'node:net';

/**
 * The rules a destination's settings must follow, checked before it is stored. Pure: the caller
 * resolves host names and passes the catalogue; each problem names the field at fault.
 */
export interface DestinationProblem {
  readonly field: string;
  readonly message: string;
}

export const destinationTypes = ['webhook', 'kafka', 'file'] as const;
export type DestinationType = (typeof destinationTypes)[number];

/** `dst_` + a UUIDv7: unique, and ordered by creation time like event ids. */
export function createDestinationId(): string {
  return `dst_${createEventId().slice('evt_'.length)}`;
}

/** Headers the streamer sets itself; a destination may not override them. */
const reservedHeaders = new Set([
  'host',
  'content-type',
  'content-length',
  'webhook-id',
  'webhook-timestamp',
  'webhook-signature',
  'user-agent',
  'connection',
  'transfer-encoding',
]);

export function checkSubscription(
  input: { readonly event_types?: readonly string[] | undefined; readonly entity_types?: readonly string[] | null | undefined },
  catalogue: { readonly types: readonly string[]; readonly entities: ReadonlySet<string> },
): DestinationProblem[] {
  const problems: DestinationProblem[] = [];
  if (input.event_types !== undefined) {
    if (input.event_types.length === 0)
      problems.push({ field: 'event_types', message: 'event_types needs at least one type or pattern (`*` for all)' });
    const expanded = expandPatterns(input.event_types, catalogue.types);
    if ('unknown' in expanded) {
      problems.push({
        field: 'event_types',
        message: `no event type matches ${JSON.stringify(expanded.unknown)}; use a type from GET /api/v1/event-types, a prefix pattern such as invoice.*, or *`,
      });
    }
  }
  for (const entity of input.entity_types ?? []) {
    if (!catalogue.entities.has(entity)) problems.push({ field: 'entity_types', message: `unknown entity type ${JSON.stringify(entity)}` });
  }
  return problems;
}

/**
 * A webhook URL: http(s) only, no credentials, https unless the host is allowed, and never an
 * internal address (loopback, private, link-local…) unless the host is allowed. `addresses` are
 * what the host resolves to (the literal address for an IP host).
 */
export function checkWebhookUrl(text: string, addresses: readonly string[], allowedHosts: ReadonlySet<string>): DestinationProblem[] {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return [{ field: 'webhook.url', message: `${JSON.stringify(text)} is not a URL; use https://host/path` }];
  }
  const host = url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  const allowed = allowedHosts.has(host);
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    return [{ field: 'webhook.url', message: `webhook URLs must be https (got ${url.protocol})` }];
  if (url.username !== '' || url.password !== '')
    return [{ field: 'webhook.url', message: 'webhook URLs must not carry credentials; use headers instead' }];
  if (url.protocol === 'http:' && !allowed) {
    return [
      {
        field: 'webhook.url',
        message: `webhook URLs must be https; http is allowed only for hosts in DESTINATION_ALLOWED_HOSTS (${host} is not)`,
      },
    ];
  }
  if (!allowed) {
    const internal = (isIP(host) ? [host] : addresses).find((address) => isInternalAddress(address));
    if (internal !== undefined) {
      return [
        {
          field: 'webhook.url',
          message: `${host} resolves to ${internal}, an internal address; add the host to DESTINATION_ALLOWED_HOSTS to allow it`,
        },
      ];
    }
  }
  return [];
}

export function checkWebhookHeaders(headers: Readonly<Record<string, string>> | undefined): DestinationProblem[] {
  return Object.keys(headers ?? {})
    .filter((name) => reservedHeaders.has(name.toLowerCase()) || !/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/.test(name))
    .map((name) => ({
      field: `webhook.headers.${name}`,
      message: `${JSON.stringify(name)} cannot be set: it is not a header name, or the streamer sets it`,
    }));
}

export function checkKafkaSettings(settings: { readonly brokers: readonly string[]; readonly topic: string }): DestinationProblem[] {
  const problems: DestinationProblem[] = [];
  if (settings.brokers.length === 0) problems.push({ field: 'kafka.brokers', message: 'at least one broker, host:port' });
  for (const broker of settings.brokers) {
    if (!/^[^\s:/]+:\d{1,5}$/.test(broker))
      problems.push({ field: 'kafka.brokers', message: `${JSON.stringify(broker)} is not host:port` });
  }
  if (!/^[a-zA-Z0-9._-]{1,249}$/.test(settings.topic) || settings.topic === '.' || settings.topic === '..') {
    problems.push({
      field: 'kafka.topic',
      message: `${JSON.stringify(settings.topic)} is not a Kafka topic name (letters, digits, . _ -, at most 249)`,
    });
  }
  return problems;
}

/**
 * A file destination's directory: absolute, without `..`, and inside `root` (the operator's
 * DESTINATION_FILE_ROOT), so an API user can never make the streamer write anywhere else.
 */
export function checkFileSettings(settings: { readonly directory: string }, root: string): DestinationProblem[] {
  if (!settings.directory.startsWith('/') || settings.directory.split('/').includes('..')) {
    return [{ field: 'file.directory', message: `${JSON.stringify(settings.directory)} must be an absolute path without ..` }];
  }
  if (!isInside(settings.directory, root)) {
    return [
      {
        field: 'file.directory',
        message: `${JSON.stringify(settings.directory)} is outside ${root}, the directory file destinations may write to (DESTINATION_FILE_ROOT)`,
      },
    ];
  }
  return [];
}

/** Whether an absolute, `..`-free path is `root` or below it. */
export function isInside(directory: string, root: string): boolean {
  const trim = (text: string) => text.replace(/\/+$/, '') || '/';
  const base = trim(root);
  const path = trim(directory);
  return base === '/' || path === base || path.startsWith(`${base}/`);
}
