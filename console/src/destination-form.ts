import type { Destination, DestinationType } from './types';

/** The destination form's fields as text, and the request body they make (pure, so it is unit-tested). */
export interface Draft {
  type: DestinationType;
  description: string;
  eventTypes: string;
  severities: string[];
  entityTypes: string;
  ordering: string;
  maxConcurrency: string;
  rateLimit: string;
  retrySchedule: string;
  paused: boolean;
  url: string;
  timeoutMs: string;
  headers: string;
  brokers: string;
  topic: string;
  directory: string;
  rotateBytes: string;
}

export const emptyDraft: Draft = {
  type: 'webhook',
  description: '',
  eventTypes: '',
  severities: [],
  entityTypes: '',
  ordering: 'none',
  maxConcurrency: '',
  rateLimit: '',
  retrySchedule: '',
  paused: false,
  url: '',
  timeoutMs: '',
  headers: '',
  brokers: '',
  topic: '',
  directory: '',
  rotateBytes: '',
};

export function draftOf(destination: Destination): Draft {
  return {
    ...emptyDraft,
    type: destination.type,
    description: destination.description ?? '',
    eventTypes: destination.event_types.join(', '),
    severities: destination.severities ?? [],
    entityTypes: (destination.entity_types ?? []).join(', '),
    ordering: destination.ordering,
    maxConcurrency: destination.max_concurrency?.toString() ?? '',
    rateLimit: destination.rate_limit_per_second?.toString() ?? '',
    retrySchedule: (destination.retry_schedule_ms ?? []).join(', '),
    paused: !destination.active,
    url: destination.webhook?.url ?? '',
    timeoutMs: destination.webhook?.timeout_ms?.toString() ?? '',
    headers: Object.entries(destination.webhook?.headers ?? {})
      .map(([name, value]) => `${name}: ${value}`)
      .join('\n'),
    brokers: (destination.kafka?.brokers ?? []).join(', '),
    topic: destination.kafka?.topic ?? '',
    directory: destination.file?.directory ?? '',
    rotateBytes: destination.file?.rotate_bytes?.toString() ?? '',
  };
}

const list = (text: string) =>
  text
    .split(/[,\s]+/)
    .map((item) => item.trim())
    .filter(Boolean);
const integer = (text: string) => (text.trim() === '' ? null : Number(text.trim()));

/** Header lines `name: value`; a line without a colon is reported by its number. */
export function parseHeaders(text: string): Record<string, string> | string {
  const headers: Record<string, string> = {};
  const lines = text.split('\n');
  for (const [index, line] of lines.entries()) {
    if (line.trim() === '') continue;
    const colon = line.indexOf(':');
    if (colon <= 0) return `Header line ${index + 1} must be "name: value".`;
    headers[line.slice(0, colon).trim()] = line.slice(colon + 1).trim();
  }
  return headers;
}

/** The request body: everything on create; on edit, the same fields (PATCH merges the type's settings). */
export function bodyOf(draft: Draft, creating: boolean): Record<string, unknown> | string {
  const body: Record<string, unknown> = {
    description: draft.description.trim() === '' ? null : draft.description.trim(),
    event_types: list(draft.eventTypes),
    severities: draft.severities.length === 0 ? null : draft.severities,
    entity_types: list(draft.entityTypes).length === 0 ? null : list(draft.entityTypes),
    ordering: draft.ordering,
    max_concurrency: integer(draft.maxConcurrency),
    rate_limit_per_second: integer(draft.rateLimit),
    retry_schedule_ms: list(draft.retrySchedule).length === 0 ? null : list(draft.retrySchedule).map(Number),
    active: !draft.paused,
  };
  if (creating) body['type'] = draft.type;
  if (draft.type === 'webhook') {
    const headers = parseHeaders(draft.headers);
    if (typeof headers === 'string') return headers;
    body['webhook'] = { url: draft.url.trim(), headers, ...(draft.timeoutMs.trim() ? { timeout_ms: Number(draft.timeoutMs) } : {}) };
  } else if (draft.type === 'kafka') {
    body['kafka'] = { brokers: list(draft.brokers), topic: draft.topic.trim() };
  } else {
    body['file'] = { directory: draft.directory.trim(), ...(draft.rotateBytes.trim() ? { rotate_bytes: Number(draft.rotateBytes) } : {}) };
  }
  return body;
}

/** Which input shows the API's `param` (`webhook.url` → the URL field). */
const fieldOfParam: Record<string, string> = {
  type: 'dst-type',
  description: 'dst-description',
  event_types: 'dst-event-types',
  severities: 'dst-severities',
  entity_types: 'dst-entity-types',
  ordering: 'dst-ordering',
  max_concurrency: 'dst-max-concurrency',
  rate_limit_per_second: 'dst-rate-limit',
  retry_schedule_ms: 'dst-retry-schedule',
  'webhook.url': 'dst-url',
  'webhook.timeout_ms': 'dst-timeout',
  'webhook.headers': 'dst-headers',
  'kafka.brokers': 'dst-brokers',
  'kafka.topic': 'dst-topic',
  'file.directory': 'dst-directory',
  'file.rotate_bytes': 'dst-rotate-bytes',
};

export function fieldForParam(param: string | undefined): string | undefined {
  // `webhook.headers.x-team` → `webhook.headers`; `event_types[2]` or `event_types.2` → `event_types`.
  let key = param?.replace(/\[\d+\]/g, '');
  while (key !== undefined && key !== '') {
    const field = fieldOfParam[key];
    if (field) return field;
    const dot = key.lastIndexOf('.');
    key = dot < 0 ? undefined : key.slice(0, dot);
  }
  return undefined;
}
