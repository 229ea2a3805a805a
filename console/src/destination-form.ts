import { destinationKinds, kindOf, settingsOf, type DestinationKind, type FormField } from '../../destinations/index';
import type { Destination } from './types';

/**
 * The destination form's fields as text, and the request body they make (pure, so it is
 * unit-tested). A type's inputs come from its `fields` (destinations/<type>/kind.ts); their text
 * is kept by the parameter it sets (`webhook.url`), so switching the type loses nothing.
 */
export interface Draft {
  type: string;
  description: string;
  eventTypes: string;
  severities: string[];
  entityTypes: string;
  ordering: string;
  maxConcurrency: string;
  rateLimit: string;
  retrySchedule: string;
  /** The content filter as JSON text; empty: every event. */
  filter: string;
  /** `event`, `cloudevents`, or the projected paths, comma-separated. */
  payload: string;
  paused: boolean;
  settings: Readonly<Record<string, string>>;
  /** The secret settings the destination has stored (`kafka.sasl_password`): kept unless typed again. */
  storedSecrets: readonly string[];
}

export const emptyDraft: Draft = {
  type: destinationKinds[0].name,
  description: '',
  eventTypes: '',
  severities: [],
  entityTypes: '',
  ordering: 'none',
  maxConcurrency: '',
  rateLimit: '',
  retrySchedule: '',
  filter: '',
  payload: 'event',
  paused: false,
  settings: {},
  storedSecrets: [],
};

/** The form's inputs for a type: none for a type this console does not know. */
export function fieldsOf(type: string, kinds: readonly DestinationKind[] = destinationKinds): readonly FormField[] {
  return kindOf(type, kinds)?.fields ?? [];
}

/** Whether a setting is one of its type's secrets: never shown, sent only when typed. */
export function isSecret(type: string, field: FormField, kinds: readonly DestinationKind[] = destinationKinds): boolean {
  return kindOf(type, kinds)?.secrets?.some((secret) => secret.setting === field.setting) ?? false;
}

/** The inputs shown for the draft's text: a SASL protocol shows the SASL ones, TLS the TLS ones. */
export function shownFieldsOf(draft: Draft, kinds: readonly DestinationKind[] = destinationKinds): readonly FormField[] {
  const prefix = `${draft.type}.`;
  const settings = Object.fromEntries(
    Object.entries(draft.settings)
      .filter(([param]) => param.startsWith(prefix))
      .map(([param, text]) => [param.slice(prefix.length), text]),
  );
  return fieldsOf(draft.type, kinds).filter((field) => field.shown?.(settings) ?? true);
}

export function draftOf(destination: Destination, kinds: readonly DestinationKind[] = destinationKinds): Draft {
  const settings = settingsOf(destination) ?? {};
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
    filter: destination.filter === null || destination.filter === undefined ? '' : JSON.stringify(destination.filter, null, 2),
    payload:
      destination.payload === undefined || typeof destination.payload === 'string'
        ? (destination.payload ?? 'event')
        : destination.payload.fields.join(', '),
    paused: !destination.active,
    storedSecrets: fieldsOf(destination.type, kinds)
      .filter((field) => isSecret(destination.type, field, kinds) && settings[field.setting] !== undefined)
      .map((field) => `${destination.type}.${field.setting}`),
    settings: Object.fromEntries(
      fieldsOf(destination.type, kinds).map((field) => [
        `${destination.type}.${field.setting}`,
        // A stored secret is answered as "set": its input starts empty, and stays so unless replaced.
        isSecret(destination.type, field, kinds) ? '' : textOf(field, settings[field.setting]),
      ]),
    ),
  };
}

/** A stored setting as the text of its input. */
function textOf(field: FormField, value: unknown): string {
  if (field.input === 'checkbox') return String(typeof value === 'boolean' ? value : (field.checked ?? false));
  if (field.input === 'select' && typeof value !== 'string') return field.options?.[0] ?? '';
  if (value === undefined || value === null) return '';
  if (field.input === 'list' && Array.isArray(value)) return value.join(', ');
  if (field.input === 'headers' && typeof value === 'object')
    return Object.entries(value)
      .map(([name, text]) => `${name}: ${String(text)}`)
      .join('\n');
  return typeof value === 'string' || typeof value === 'number' ? String(value) : '';
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

/** The body a destination's deliveries carry, from its input's text. */
function payloadOf(text: string): string | { fields: string[] } {
  const shape = text.trim();
  return shape === '' || shape === 'event' || shape === 'cloudevents' ? shape || 'event' : { fields: list(shape) };
}

/** The filter's JSON text as an object, or null when empty; the API checks its conditions. */
function filterOf(text: string): Record<string, unknown> | null {
  if (text.trim() === '') return null;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new Refused('filter', `The filter is not JSON: ${(error as Error).message}.`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    throw new Refused('filter', 'The filter is a JSON object such as {"data.status": "paid"}.');
  return value as Record<string, unknown>;
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

/**
 * A type's settings object from its inputs' text; an empty integer is left out. Numbers are read
 * last, so a mistake in the text inputs (a header line) is the one reported first.
 */
function settingsBody(type: string, draft: Draft, kinds: readonly DestinationKind[]): Record<string, unknown> {
  const settings: Record<string, unknown> = {};
  // Hidden inputs are not sent: the API drops the stored settings the others leave unused.
  const fields = shownFieldsOf({ ...draft, type }, kinds);
  for (const field of [...fields.filter((f) => f.input !== 'integer'), ...fields.filter((f) => f.input === 'integer')]) {
    const param = `${type}.${field.setting}`;
    const text = draft.settings[param] ?? '';
    if (isSecret(type, field, kinds)) {
      if (text.trim() !== '') settings[field.setting] = field.input === 'pem' ? text : text.trim();
    } else if (field.input === 'checkbox') {
      settings[field.setting] = text === '' ? (field.checked ?? false) : text === 'true';
    } else if (field.input === 'select') {
      settings[field.setting] = text === '' ? field.options?.[0] : text;
    } else if (field.input === 'pem') {
      // As written: a certificate answered and sent back unchanged must compare equal.
      settings[field.setting] = text.trim() === '' ? null : text;
    } else if (field.input === 'integer') {
      const value = integer(text, param, field.noun ?? field.label);
      if (value !== null) settings[field.setting] = value;
    } else if (field.input === 'list') {
      settings[field.setting] = list(text);
    } else if (field.input === 'headers') {
      const headers = parseHeaders(text);
      if (typeof headers === 'string') throw new Refused(param, headers);
      settings[field.setting] = headers;
    } else {
      settings[field.setting] = text.trim();
    }
  }
  return settings;
}

/** The request body of the whole form (create), or the first mistake in it. */
export function bodyOf(
  draft: Draft,
  creating: boolean,
  kinds: readonly DestinationKind[] = destinationKinds,
): Record<string, unknown> | FormProblem {
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
      filter: filterOf(draft.filter),
      payload: payloadOf(draft.payload),
      active: !draft.paused,
    };
    if (creating) body['type'] = draft.type;
    body[draft.type] = settingsBody(draft.type, draft, kinds);
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
const fieldOfParam: Readonly<Record<string, string>> = {
  type: 'dst-type',
  description: 'dst-description',
  event_types: 'dst-event-types',
  severities: 'dst-severities',
  entity_types: 'dst-entity-types',
  ordering: 'dst-ordering',
  max_concurrency: 'dst-max-concurrency',
  rate_limit_per_second: 'dst-rate-limit',
  retry_schedule_ms: 'dst-retry-schedule',
  filter: 'dst-filter',
  payload: 'dst-payload',
};

export function fieldForParam(param: string | undefined, kinds: readonly DestinationKind[] = destinationKinds): string | undefined {
  const fields = new Map(Object.entries(fieldOfParam));
  for (const kind of kinds) for (const field of kind.fields) fields.set(`${kind.name}.${field.setting}`, field.id);
  // `webhook.headers.x-team` → `webhook.headers`; `event_types[2]` or `event_types.2` → `event_types`.
  let key = param?.replace(/\[\d+\]/g, '');
  while (key !== undefined && key !== '') {
    const field = fields.get(key);
    if (field) return field;
    const dot = key.lastIndexOf('.');
    key = dot < 0 ? undefined : key.slice(0, dot);
  }
  return undefined;
}
