import { expandPatterns } from './event-types.js';
import { isInternalAddress } from './network-address.js';
import { createEventId } from './ids.js';
import {
  isInternalTopic,
  isPipelineTopic,
  judgeKafkaBroker,
  parseBroker,
  type KafkaBrokerPolicy,
  type ResolvedHosts,
} from './kafka-broker-rules.js';
import { organizationDirectoryName } from './organization-directory.js';
import { isIP } from 'node:net';

/**
 * The rules a destination's settings must follow, checked before it is stored. Pure: the caller
 * resolves host names and passes the catalogue; each problem names the field at fault.
 */
export interface DestinationProblem {
  readonly field: string;
  readonly message: string;
}

/** `dst_` + a UUIDv7: unique, and ordered by creation time like event ids. */
export function createDestinationId(): string {
  return `dst_${createEventId().slice('evt_'.length)}`;
}

/** The most headers a webhook destination may add. */
export const maxWebhookHeaders = 20;
/** The most bytes a destination's headers may take on the wire (`name: value` and CRLF each). */
export const maxWebhookHeaderBytes = 8 * 1024;

const setByStreamer = 'the streamer sets it';
const connectionControl = 'it controls the connection (hop-by-hop), which the streamer manages';

/**
 * Headers a destination may not set, with why: the ones the streamer sets itself, and the
 * hop-by-hop and connection-control ones (RFC 9110 §7.6.1), which belong to a connection, not a
 * message. The HTTP client refuses some of them outright (upgrade, keep-alive, expect,
 * transfer-encoding), so letting one through would fail every attempt. `proxy-*` names are refused too.
 */
const reservedHeaders = new Map([
  ['content-type', setByStreamer],
  ['user-agent', setByStreamer],
  ['webhook-id', setByStreamer],
  ['webhook-timestamp', setByStreamer],
  ['webhook-signature', setByStreamer],
  ['host', 'the streamer sets it from the URL'],
  ['content-length', 'the streamer sets it from the body'],
  ['connection', connectionControl],
  ['keep-alive', connectionControl],
  ['upgrade', connectionControl],
  ['expect', connectionControl],
  ['te', connectionControl],
  ['trailer', connectionControl],
  ['transfer-encoding', connectionControl],
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
  return checkServiceUrl(text, addresses, allowedHosts, { field: 'webhook.url', noun: 'webhook URLs' });
}

/**
 * The rules of webhook URLs for any URL a destination sends to (an AWS-compatible endpoint, say),
 * named as `field` and called `noun` in the messages.
 */
export function checkServiceUrl(
  text: string,
  addresses: readonly string[],
  allowedHosts: ReadonlySet<string>,
  named: { readonly field: string; readonly noun: string },
): DestinationProblem[] {
  const { field, noun } = named;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return [{ field, message: `${JSON.stringify(text)} is not a URL; use https://host/path` }];
  }
  const host = url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  const allowed = allowedHosts.has(host);
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return [{ field, message: `${noun} must be https (got ${url.protocol})` }];
  if (url.username !== '' || url.password !== '')
    return [
      {
        field,
        message: `${noun} must not carry credentials; use ${field === 'webhook.url' ? 'headers' : 'the credential settings'} instead`,
      },
    ];
  if (url.protocol === 'http:' && !allowed) {
    return [{ field, message: `${noun} must be https; http is allowed only for hosts in DESTINATION_ALLOWED_HOSTS (${host} is not)` }];
  }
  if (!allowed) {
    const internal = (isIP(host) ? [host] : addresses).find((address) => isInternalAddress(address));
    if (internal !== undefined) {
      return [
        {
          field,
          // The address itself is not named: it would tell an API user about the internal network.
          message: `${host} ${isIP(host) ? 'is' : 'resolves to'} an internal address (loopback, private, link-local or reserved); add the host to DESTINATION_ALLOWED_HOSTS to allow it`,
        },
      ];
    }
  }
  return [];
}

/**
 * A webhook's extra headers, checked before they are stored and again before each attempt (a row
 * stored before a rule existed must not reach the HTTP client either). Names are RFC 9110 tokens;
 * values are RFC 9110 field values: no control character but tab, no leading or trailing space or
 * tab. A value is sent as bytes, one per character: visible ASCII, and U+0080–U+00FF as the single
 * bytes 0x80–0xFF (obs-text; kept so that values stored in Latin-1 still work). A character past
 * U+00FF has no one-byte form and is refused rather than sent as something else.
 */
export function checkWebhookHeaders(headers: unknown): DestinationProblem[] {
  if (headers === undefined || headers === null) return [];
  if (typeof headers !== 'object' || Array.isArray(headers))
    return [{ field: 'webhook.headers', message: 'headers must be an object of header names to string values' }];
  const entries = Object.entries(headers as Record<string, unknown>);
  const problems: DestinationProblem[] = [];
  if (entries.length > maxWebhookHeaders)
    problems.push({ field: 'webhook.headers', message: `at most ${maxWebhookHeaders} headers (got ${entries.length})` });
  const bytes = entries.reduce((sum, [name, value]) => sum + name.length + String(value).length + 4, 0);
  if (bytes > maxWebhookHeaderBytes) {
    problems.push({
      field: 'webhook.headers',
      message: `the headers take ${bytes} bytes; at most ${maxWebhookHeaderBytes} (8 KiB) of names and values`,
    });
  }
  for (const [name, value] of entries) {
    const problem = headerProblem(name, value);
    if (problem !== undefined) problems.push({ field: `webhook.headers.${name}`, message: problem });
  }
  return problems;
}

function headerProblem(name: string, value: unknown): string | undefined {
  const label = JSON.stringify(name);
  if (!/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/.test(name))
    return `${label} is not a header name: use letters, digits and ! # $ % & ' * + - . ^ _ \` | ~`;
  const lower = name.toLowerCase();
  const reserved = reservedHeaders.get(lower) ?? (lower.startsWith('proxy-') ? 'it is meant for a proxy, not the receiver' : undefined);
  if (reserved !== undefined) return `${label} cannot be set: ${reserved}`;
  if (typeof value !== 'string') return `the value of ${label} must be a string`;
  if (/^[ \t]|[ \t]$/.test(value)) return `the value of ${label} starts or ends with a space or tab; remove it`;
  for (let index = 0; index < value.length; index++) {
    const code = value.charCodeAt(index);
    if (code === 0x09 || (code >= 0x20 && code <= 0x7e) || (code >= 0x80 && code <= 0xff)) continue;
    const position = `at character ${index + 1}`;
    if (code < 0x20 || code === 0x7f)
      return `the value of ${label} contains ${controlName(code)} ${position}; header values may not contain control characters (CR, LF, NUL…) other than tab`;
    const char = String.fromCodePoint(value.codePointAt(index) as number);
    return `the value of ${label} contains ${JSON.stringify(char)} ${position}, which has no single-byte form; use ASCII (percent-encode or base64 other text)`;
  }
  return undefined;
}

function controlName(code: number): string {
  if (code === 0x0d) return 'CR';
  if (code === 0x0a) return 'LF';
  if (code === 0x00) return 'NUL';
  return `the control character U+${code.toString(16).toUpperCase().padStart(4, '0')}`;
}

/**
 * A Kafka destination: host:port brokers and a topic name, then the broker policy
 * (core/kafka-broker-rules.ts): neither the pipeline's own cluster nor internal addresses unless
 * DESTINATION_ALLOWED_KAFKA_BROKERS lists the broker, and never Kafka's internal topics, nor the
 * pipeline's own topics on its own cluster. `resolved` holds what each broker host resolves to.
 */
export function checkKafkaSettings(
  settings: { readonly brokers: readonly string[]; readonly topic: string },
  policy: KafkaBrokerPolicy,
  resolved: ResolvedHosts,
): DestinationProblem[] {
  const problems: DestinationProblem[] = [];
  if (settings.brokers.length === 0) problems.push({ field: 'kafka.brokers', message: 'at least one broker, host:port' });
  const brokers = settings.brokers.map((text) => ({ text, parsed: parseBroker(text) }));
  for (const broker of brokers) {
    if (broker.parsed === undefined)
      problems.push({ field: 'kafka.brokers', message: `${JSON.stringify(broker.text)} is not host:port (port 1 to 65535)` });
  }
  if (!/^[a-zA-Z0-9._-]{1,249}$/.test(settings.topic) || settings.topic === '.' || settings.topic === '..') {
    problems.push({
      field: 'kafka.topic',
      message: `${JSON.stringify(settings.topic)} is not a Kafka topic name (letters, digits, . _ -, at most 249)`,
    });
  }
  if (problems.length > 0) return problems;
  let own = false;
  for (const { text, parsed } of brokers) {
    if (parsed === undefined) continue;
    const verdict = judgeKafkaBroker(parsed.host, parsed.port, policy, resolved);
    if (verdict.allowed) {
      own ||= verdict.own;
    } else if (verdict.reason === 'own_cluster') {
      problems.push({
        field: 'kafka.brokers',
        message: `${text} is the pipeline's own Kafka cluster; destinations may write there only if the operator lists the broker in DESTINATION_ALLOWED_KAFKA_BROKERS`,
      });
    } else {
      problems.push({
        field: 'kafka.brokers',
        // The address itself is not named: it would tell an API user about the internal network.
        message: `${parsed.host} ${isIP(parsed.host) ? 'is' : 'resolves to'} an internal address (loopback, private, link-local or reserved); the operator must list the broker in DESTINATION_ALLOWED_KAFKA_BROKERS to allow it`,
      });
    }
  }
  if (isInternalTopic(settings.topic))
    problems.push({ field: 'kafka.topic', message: `${settings.topic} is one of Kafka's internal topics (__…); choose another topic` });
  else if (own && isPipelineTopic(settings.topic, policy.topicPrefix)) {
    problems.push({
      field: 'kafka.topic',
      message: `${settings.topic} is one of the pipeline's own topics (${policy.topicPrefix}.*); choose a topic outside them`,
    });
  }
  return problems;
}

/**
 * A file destination's directory, which must lead into the organization's own directory under
 * DESTINATION_FILE_ROOT (core/organization-directory.ts): relative to it (`exports/invoices`), or
 * absolute and inside it; never with `..` or NUL. So an API user can only make the streamer write
 * into its organization's directory (the streamer also refuses symbolic links leading out of it).
 */
export function checkFileSettings(settings: { readonly directory: string }, root: string, organizationId: string): DestinationProblem[] {
  const resolved = resolveFileDirectory(settings.directory, root, organizationId);
  return 'problem' in resolved ? [{ field: 'file.directory', message: resolved.problem }] : [];
}

/**
 * Where a file destination's `directory` leads: its organization's directory, the names below it
 * (`below`, without `.` or empty ones) and the two joined (`path`); or why it may not be used.
 */
export function resolveFileDirectory(
  directory: string,
  root: string,
  organizationId: string,
): { readonly path: string; readonly organizationDirectory: string; readonly below: readonly string[] } | { readonly problem: string } {
  const shown = JSON.stringify(directory);
  if (directory.includes('\0')) return { problem: `${shown} must not contain NUL` };
  const names = directory.split('/');
  if (names.includes('..')) return { problem: `${shown} must not contain ..; give a directory inside this organization's directory` };
  const organizationDirectory = `${root.replace(/\/+$/, '')}/${organizationDirectoryName(organizationId)}`;
  let below = names.filter((name) => name !== '' && name !== '.');
  if (directory.startsWith('/')) {
    const absolute = `/${below.join('/')}`;
    if (!isInside(absolute, organizationDirectory)) {
      return {
        problem: `${shown} is outside ${organizationDirectory}, this organization's directory under DESTINATION_FILE_ROOT; give a directory relative to it, such as exports/invoices`,
      };
    }
    below = absolute.slice(organizationDirectory.length).split('/').filter(Boolean);
  }
  const tooLong = checkFileDirectoryLength(below);
  if (tooLong !== undefined) return { problem: tooLong };
  return { path: [organizationDirectory, ...below].join('/'), organizationDirectory, below };
}

/** NAME_MAX of common file systems (ext4, xfs, btrfs, APFS): bytes of one name. */
export const maxFileDirectoryNameBytes = 255;
/** The most bytes of a file destination's directory below its organization's, leaving room under PATH_MAX (4,096) for the root. */
export const maxFileDirectoryBytes = 1_024;

/**
 * A name longer than the file system allows would pass here and then fail every delivery with
 * ENAMETOOLONG. The input is not echoed whole: it may be kilobytes long.
 */
function checkFileDirectoryLength(below: readonly string[]): string | undefined {
  const utf8 = new TextEncoder();
  for (const name of below) {
    const bytes = utf8.encode(name).length;
    if (bytes > maxFileDirectoryNameBytes) {
      const start = JSON.stringify(`${[...name].slice(0, 24).join('')}…`);
      return `file.directory has a name of ${bytes} bytes (${start}); each name may take at most ${maxFileDirectoryNameBytes} bytes of UTF-8, the file system's limit`;
    }
  }
  const bytes = utf8.encode(below.join('/')).length;
  if (bytes > maxFileDirectoryBytes)
    return `file.directory takes ${bytes} bytes below this organization's directory; at most ${maxFileDirectoryBytes} bytes of UTF-8`;
  return undefined;
}

/** Whether an absolute, `..`-free path is `root` or below it. */
export function isInside(directory: string, root: string): boolean {
  const trim = (text: string) => text.replace(/\/+$/, '') || '/';
  const base = trim(root);
  const path = trim(directory);
  return base === '/' || path === base || path.startsWith(`${base}/`);
}
