import type { DestinationProblem } from './destination-rules.js';
import type { SubscribedFields } from './event-fields.js';

/**
 * Names made from an event: a routing key, subject, stream key, topic or object key such as
 * `events.{type}` or `{entity_type}/{yyyy}/{mm}/{dd}/{hh}/`. A placeholder is a dotted path into
 * the event object (`type`, `entity_id`, `data.customer_id`) or, where the type allows it, a part
 * of a time (`yyyy`, `mm`, `dd`, `hh`, `mi`, UTC). `{{` and `}}` are literal braces. Parsed and
 * checked when a destination is saved, rendered by the sender for each event. Pure.
 */
export interface FieldTemplate {
  readonly text: string;
  readonly parts: readonly TemplatePart[];
}

export type TemplatePart =
  | { readonly kind: 'text'; readonly text: string }
  | { readonly kind: 'field'; readonly path: string }
  | { readonly kind: 'time'; readonly unit: TimeUnit };

export const timeUnits = ['yyyy', 'mm', 'dd', 'hh', 'mi'] as const;
export type TimeUnit = (typeof timeUnits)[number];

export interface TemplateOptions {
  /** Whether `{yyyy}`… may be used (object keys); elsewhere they are field names. */
  readonly time?: boolean;
}

/** A path segment: what event fields are called (Avro names). */
const segment = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** The template, or the first problem with its text. */
export function parseTemplate(text: string, options: TemplateOptions = {}): FieldTemplate | { readonly problem: string } {
  const parts: TemplatePart[] = [];
  let literal = '';
  let at = 0;
  while (at < text.length) {
    const char = text[at];
    if (char === '{' && text[at + 1] === '{') {
      literal += '{';
      at += 2;
    } else if (char === '}' && text[at + 1] === '}') {
      literal += '}';
      at += 2;
    } else if (char === '}') {
      return { problem: `a lone } at character ${at + 1}; write }} for a literal brace` };
    } else if (char === '{') {
      const end = text.indexOf('}', at + 1);
      if (end === -1) return { problem: `the { at character ${at + 1} is not closed; write {{ for a literal brace` };
      const name = text.slice(at + 1, end).trim();
      if (literal !== '') parts.push({ kind: 'text', text: literal });
      literal = '';
      if (options.time === true && (timeUnits as readonly string[]).includes(name)) parts.push({ kind: 'time', unit: name as TimeUnit });
      else if (name.split('.').every((part) => segment.test(part))) parts.push({ kind: 'field', path: name });
      else return { problem: `{${name}} is not a field path; use names such as {type}, {entity_id} or {data.customer_id}` };
      at = end + 1;
    } else {
      literal += char;
      at++;
    }
  }
  if (literal !== '') parts.push({ kind: 'text', text: literal });
  return { text, parts };
}

export function isTemplate(parsed: FieldTemplate | { readonly problem: string }): parsed is FieldTemplate {
  return !('problem' in parsed);
}

/** The event fields a template names. */
export function templateFields(template: FieldTemplate): string[] {
  return template.parts.flatMap((part) => (part.kind === 'field' ? [part.path] : []));
}

/**
 * Every problem with a template as the setting `field` of a destination subscribed to `subscribed`:
 * its syntax, a field some subscribed type lacks (each of its events would fail), a field that
 * holds an object or a list (it has no one-line text).
 */
export function checkTemplate(
  field: string,
  text: string,
  subscribed: SubscribedFields,
  options: TemplateOptions = {},
): DestinationProblem[] {
  const parsed = parseTemplate(text, options);
  if (!isTemplate(parsed)) return [{ field, message: parsed.problem }];
  const problems: DestinationProblem[] = [];
  for (const path of templateFields(parsed)) {
    const found = subscribed.kindsOf(path);
    const lacking = subscribed.types.filter((type) => !found.has(type));
    if (lacking.length > 0) {
      problems.push({ field, message: `{${path}} names a field that events of ${describeTypes(lacking)} do not have` });
      continue;
    }
    const nested = [...found].filter(([, kinds]) => !kinds.has('string') && !kinds.has('number') && !kinds.has('boolean'));
    if (nested.length > 0) {
      problems.push({
        field,
        message: `{${path}} holds ${[...(nested[0]?.[1] ?? [])].join(' or ')} in events of ${describeTypes(nested.map(([type]) => type))}, not text; name a field inside it`,
      });
    }
  }
  return problems;
}

/** checkTemplate for each of a destination's template settings (DestinationKind.templates). */
export function checkTemplates(
  templates: readonly { readonly field: string; readonly text: string; readonly time?: boolean }[],
  subscribed: SubscribedFields,
): DestinationProblem[] {
  return templates.flatMap((template) => checkTemplate(template.field, template.text, subscribed, { time: template.time ?? false }));
}

/** Why a template could not be rendered for an event: an attempt failure naming the field. */
export class TemplateError extends Error {}

/**
 * The template's text for one event object; `time` fills the time parts. A null field renders as
 * an empty string; a missing one, or one holding an object or a list, is a TemplateError.
 */
export function renderTemplate(template: FieldTemplate, event: Readonly<Record<string, unknown>>, time: Date = new Date()): string {
  let out = '';
  for (const part of template.parts) {
    if (part.kind === 'text') out += part.text;
    else if (part.kind === 'time') out += timePart(time, part.unit);
    else out += fieldText(event, part.path, template.text);
  }
  return out;
}

function fieldText(event: Readonly<Record<string, unknown>>, path: string, text: string): string {
  let value: unknown = event;
  for (const name of path.split('.')) {
    if (value === null || typeof value !== 'object' || Array.isArray(value) || !Object.hasOwn(value, name)) {
      throw new TemplateError(`the template ${JSON.stringify(text)} names {${path}}, which event ${eventIdOf(event)} does not have`);
    }
    value = (value as Record<string, unknown>)[name];
  }
  if (value === null || value === undefined) return '';
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return String(value);
  throw new TemplateError(
    `the template ${JSON.stringify(text)} names {${path}}, which holds ${Array.isArray(value) ? 'a list' : 'an object'} in event ${eventIdOf(event)}`,
  );
}

function timePart(time: Date, unit: TimeUnit): string {
  const pad = (value: number) => String(value).padStart(2, '0');
  switch (unit) {
    case 'yyyy':
      return String(time.getUTCFullYear());
    case 'mm':
      return pad(time.getUTCMonth() + 1);
    case 'dd':
      return pad(time.getUTCDate());
    case 'hh':
      return pad(time.getUTCHours());
    case 'mi':
      return pad(time.getUTCMinutes());
  }
}

function eventIdOf(event: Readonly<Record<string, unknown>>): string {
  return typeof event['id'] === 'string' ? event['id'] : '(without an id)';
}

/** A list of event types for a message: the first three, then how many others. */
export function describeTypes(types: readonly string[]): string {
  return types.length <= 3 ? types.join(', ') : `${types.slice(0, 3).join(', ')} and ${types.length - 3} other types`;
}
