import { cloudEventSource, cloudEventsSpecVersion } from './cloudevents.js';
import type { DestinationProblem } from './destination-rules.js';
import type { SubscribedFields } from './event-fields.js';
import { valueAt } from './content-filter.js';

/**
 * What a destination's deliveries carry: the event object as the Events API serves it (`event`,
 * the default), a CloudEvents 1.0 structured JSON event (`cloudevents`), or a projection of the
 * event object to some of its paths (`{ "fields": ["id", "type", "data.total_amount"] }`). The
 * streamer shapes each payload once, just before the sender gets it, so every destination type
 * sends the shaped body and a webhook signs it. Pure.
 */
export type PayloadShape = 'event' | 'cloudevents' | { readonly fields: readonly string[] };

/** The most paths a projection keeps. */
export const maxProjectedFields = 100;

/** `application/json`: the CloudEvents event's `data` is the event's `data`, as JSON. */
export const cloudEventsDataContentType = 'application/json';

/** The media type of a JSON payload that is not CloudEvents (the event object, a projection). */
export const jsonContentType = 'application/json';

/** The media type of a payload that is a CloudEvents structured event (every binding's structured mode). */
export const cloudEventsContentType = 'application/cloudevents+json';
/** The media type of a JSON array of CloudEvents structured events (HTTP's batched mode). */
export const cloudEventsBatchContentType = 'application/cloudevents-batch+json';

/** The media type of one payload of this shape: CloudEvents' own, or JSON. */
export function payloadContentType(shape: PayloadShape): string {
  return shape === 'cloudevents' ? cloudEventsContentType : jsonContentType;
}

/** The media type of a JSON array of payloads of `contentType` (a webhook batch). */
export function batchContentType(contentType: string): string {
  return contentType === cloudEventsContentType ? cloudEventsBatchContentType : jsonContentType;
}

const segment = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** A stored shape; anything unknown (never stored so) is the event object, so nothing is lost. */
export function storedPayloadShape(stored: unknown): PayloadShape {
  if (stored === 'cloudevents') return 'cloudevents';
  if (stored !== null && typeof stored === 'object' && Array.isArray((stored as { fields?: unknown }).fields)) {
    const fields = (stored as { fields: unknown[] }).fields.filter((field): field is string => typeof field === 'string');
    if (fields.length > 0) return { fields };
  }
  return 'event';
}

/**
 * Every problem with a projection for a destination subscribed to `subscribed`: a path that is not
 * dotted names, one no subscribed type has, a path given twice or inside another.
 */
export function checkPayloadShape(shape: PayloadShape, subscribed: SubscribedFields): DestinationProblem[] {
  if (typeof shape === 'string') return [];
  const problems: DestinationProblem[] = [];
  for (const [index, path] of shape.fields.entries()) {
    const field = `payload.fields.${index}`;
    if (!path.split('.').every((name) => segment.test(name))) {
      problems.push({ field, message: `${JSON.stringify(path)} is not a field path; use names such as id, type or data.total_amount` });
    } else if (subscribed.kindsOf(path).size === 0) {
      problems.push({ field, message: `${path} is a field that no subscribed event type has` });
    } else if (shape.fields.some((other, at) => at !== index && (other === path || path.startsWith(`${other}.`)))) {
      problems.push({ field, message: `${path} is kept already by another of the fields` });
    }
  }
  return problems;
}

/** The body a destination with this shape is sent for one event object (JSON text in, JSON text out). */
export function shapePayload(shape: PayloadShape, payload: string): string {
  if (shape === 'event') return payload;
  const event = JSON.parse(payload) as Readonly<Record<string, unknown>>;
  return JSON.stringify(shape === 'cloudevents' ? cloudEventOf(event) : projectionOf(event, shape.fields));
}

/**
 * CloudEvents 1.0 structured content mode (JSON event format): the attributes the Kafka headers
 * carry (core/cloudevents.ts), `data` the event's data. Extension attributes: `orgid`,
 * `severity`, `requestid` (when the event has one), `entitytype`.
 */
export function cloudEventOf(event: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const text = (name: string) => (typeof event[name] === 'string' ? event[name] : '');
  const requestId = event['request_id'];
  return {
    specversion: cloudEventsSpecVersion,
    id: text('id'),
    source: cloudEventSource(text('organization_id'), text('source')),
    type: text('type'),
    subject: text('entity_id'),
    time: text('occurred_at'),
    datacontenttype: cloudEventsDataContentType,
    orgid: text('organization_id'),
    severity: text('severity'),
    entitytype: text('entity_type'),
    ...(typeof requestId === 'string' && requestId !== '' ? { requestid: requestId } : {}),
    data: event['data'] ?? null,
  };
}

/** The event object with only these paths, nested as they were; a path the event lacks is left out. */
export function projectionOf(event: Readonly<Record<string, unknown>>, fields: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const path of fields) {
    const value = valueAt(event, path);
    if (value === undefined) continue;
    const names = path.split('.');
    let at = out;
    for (const name of names.slice(0, -1)) {
      const next = at[name];
      at = (at[name] = next !== null && typeof next === 'object' ? next : {}) as Record<string, unknown>;
    }
    at[names[names.length - 1] as string] = value;
  }
  return out;
}
