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

/** A mistake found before anything is sent, named by the API parameter it would have been. */
export interface FormProblem {
  readonly problem: string;
  readonly param: string;
}

class Refused extends Error {
  constructor(
    readonly param: string,
    message: string,
  ) {
    super(message);
  }
}

/** A whole number or nothing; anything else is refused rather than sent as null ("no limit"). */
function integer(text: string, param: string, label: string): number | null {
  const value = text.trim();
  if (value === '') return null;
  if (!/^\d+$/.test(value)) throw new Refused(param, `${label} must be a whole number, not "${value}".`);
  return Number(value);
}

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

/** The request body of the whole form (create), or the first mistake in it. */
export function bodyOf(draft: Draft, creating: boolean): Record<string, unknown> | FormProblem {
  try {
    const schedule = list(draft.retrySchedule).map((step, index) => integer(step, 'retry_schedule_ms', `Retry step ${index + 1}`));
    const body: Record<string, unknown> = {
      description: draft.description.trim() === '' ? null : draft.description.trim(),
      event_types: list(draft.eventTypes),
      severities: draft.severities.length === 0 ? null : draft.severities,
      entity_types: list(draft.entityTypes).length === 0 ? null : list(draft.entityTypes),
      ordering: draft.ordering,
      max_concurrency: integer(draft.maxConcurrency, 'max_concurrency', 'Attempts in flight'),
      rate_limit_per_second: integer(draft.rateLimit, 'rate_limit_per_second', 'Attempts per second'),
      retry_schedule_ms: schedule.length === 0 ? null : schedule,
      active: !draft.paused,
    };
    if (creating) body['type'] = draft.type;
    if (draft.type === 'webhook') {
      const headers = parseHeaders(draft.headers);
      if (typeof headers === 'string') return { problem: headers, param: 'webhook.headers' };
      const timeout = integer(draft.timeoutMs, 'webhook.timeout_ms', 'The timeout');
      body['webhook'] = { url: draft.url.trim(), headers, ...(timeout === null ? {} : { timeout_ms: timeout }) };
    } else if (draft.type === 'kafka') {
      body['kafka'] = { brokers: list(draft.brokers), topic: draft.topic.trim() };
    } else {
      const rotate = integer(draft.rotateBytes, 'file.rotate_bytes', 'Rotate after');
      body['file'] = { directory: draft.directory.trim(), ...(rotate === null ? {} : { rotate_bytes: rotate }) };
    }
    return body;
  } catch (error) {
    if (error instanceof Refused) return { problem: error.message, param: error.param };
    throw error;
  }
}

export function isProblem(value: Record<string, unknown> | FormProblem): value is FormProblem {
  return 'problem' in value;
}

/**
 * An edit sends only what the person changed, so saving a description does not also resume a
 * destination someone paused, or the streamer disabled, since the form was opened.
 */
export function changesOf(body: Record<string, unknown>, before: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(body).filter(([name, value]) => JSON.stringify(value) !== JSON.stringify(before[name])));
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
