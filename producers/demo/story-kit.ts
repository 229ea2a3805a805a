import { isDeepStrictEqual } from 'node:util';
import type { EventSeverity } from '../../core/event-schema.js';
import type { Random } from './random.js';
import type { DemoOrganization } from './types.js';

/**
 * What the demo's lifecycles are written with. A story is a generator: each `yield` is the next
 * event of its entities, due `delayMs` after the story's previous one; the planner interleaves
 * the stories of every organization in time order and calls `build` with the event's time, so
 * timestamps in the data are those of the event. Entities keep their current data and work out
 * `previous_attributes` from what an update changed, so it cannot drift from the data.
 */
export interface Draft {
  readonly type: string;
  readonly entityId: string;
  readonly data: Record<string, unknown>;
  readonly previous: Record<string, unknown> | null;
  readonly severity?: EventSeverity | undefined;
  /** Who did it (a user id), for changes people make; null for the system's own. */
  readonly actor?: string | null | undefined;
}

export interface Step {
  /** How long after the story's previous event this one is due, in ms (a new story's first is due at once). */
  readonly delayMs: number;
  readonly build: (at: number) => Draft;
}

export type Story = Generator<Step, void, void>;

export interface StoryKit {
  readonly organization: DemoOrganization;
  readonly random: Random;
  /** `<prefix>_` + 16 random characters, unique in the run. */
  id(prefix: string): string;
  /** The next number (1, 2, …) of a per-organization counter, e.g. invoice numbers. */
  sequence(name: string): number;
  /** Starts another story `delayMs` after the current event (an invoice for a new customer). */
  spawn(story: Story, delayMs: number): void;
  /** A random delay between `min` and `max` seconds, in ms. */
  seconds(min: number, max: number): number;
}

export interface EventOptions {
  readonly severity?: EventSeverity;
  readonly actor?: string | null;
}

/** One entity of a story: its id and its data as of its latest event. */
export interface Entity {
  readonly id: string;
  readonly data: Readonly<Record<string, unknown>>;
  /** Its first event, `*.created` / `*.registered`: no previous attributes. */
  create(type: string, data: Record<string, unknown>, options?: EventOptions): Draft;
  /** A first event for an entity made before the demo saw it (`endpoint.enabled`), with what it was. */
  appear(type: string, data: Record<string, unknown>, previous: Record<string, unknown>, options?: EventOptions): Draft;
  /** Applies `changes` (and `updated_at` = the event's time when the entity has one); previous = what they replaced. */
  update(type: string, at: number, changes: Record<string, unknown>, options?: EventOptions): Draft;
  /** An event that changes nothing (`pim.sku.unchanged`). */
  unchanged(type: string, options?: EventOptions): Draft;
}

export function createEntity(id: string): Entity {
  let current: Record<string, unknown> | undefined;
  const draft = (type: string, previous: Record<string, unknown> | null, options: EventOptions = {}): Draft => ({
    type,
    entityId: id,
    data: current as Record<string, unknown>,
    previous,
    severity: options.severity,
    actor: options.actor,
  });
  const existing = (type: string): Record<string, unknown> => {
    if (current === undefined) throw new Error(`${type} for ${id} before its first event`);
    return current;
  };
  const first = (type: string, data: Record<string, unknown>) => {
    if (current !== undefined) throw new Error(`${type}: ${id} already exists`);
    if (data['id'] !== id) throw new Error(`${type}: data.id ${String(data['id'])} is not the entity's id ${id}`);
    current = data;
  };
  return {
    id,
    get data() {
      return existing('data');
    },
    create(type, data, options) {
      first(type, data);
      return draft(type, null, options);
    },
    appear(type, data, previous, options) {
      first(type, data);
      return draft(type, previous, options);
    },
    update(type, at, changes, options) {
      const before = existing(type);
      const after = { ...before, ...changes };
      if ('updated_at' in before && !('updated_at' in changes)) after['updated_at'] = iso(at);
      current = after;
      return draft(type, previousAttributes(before, after), options);
    },
    unchanged(type, options) {
      existing(type);
      return draft(type, null, options);
    },
  };
}

/**
 * The fields `after` changed, with their values in `before`: only those, as the event schemas'
 * `previous_attributes` carry them. A field that was null is left out (the schema's null means
 * "not changed"). For maps (metadata, PIM attributes) only the keys whose values changed are kept.
 */
export function previousAttributes(before: Readonly<Record<string, unknown>>, after: Readonly<Record<string, unknown>>) {
  const previous: Record<string, unknown> = {};
  for (const [key, old] of Object.entries(before)) {
    const now = after[key];
    if (old === null || old === undefined || isDeepStrictEqual(old, now)) continue;
    if (isMap(old) && isMap(now)) {
      const changed = Object.fromEntries(Object.entries(old).filter(([name, value]) => !isDeepStrictEqual(value, now[name])));
      if (Object.keys(changed).length > 0) previous[key] = changed;
    } else {
      previous[key] = old;
    }
  }
  return Object.keys(previous).length > 0 ? previous : null;
}

function isMap(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export const second = 1_000;
export const minute = 60 * second;
export const hour = 60 * minute;
export const day = 24 * hour;

/** RFC 3339 in UTC with milliseconds. */
export function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/** An ISO 8601 date (UTC). */
export function isoDate(ms: number): string {
  return iso(ms).slice(0, 10);
}

/** The same time `months` calendar months later (UTC; the 31st becomes the month's last day). */
export function addMonths(ms: number, months: number): number {
  const date = new Date(ms);
  const target = new Date(date);
  target.setUTCDate(1);
  target.setUTCMonth(target.getUTCMonth() + months);
  const lastDay = new Date(Date.UTC(target.getUTCFullYear(), target.getUTCMonth() + 1, 0)).getUTCDate();
  target.setUTCDate(Math.min(date.getUTCDate(), lastDay));
  return target.getTime();
}

export function step(delayMs: number, build: (at: number) => Draft): Step {
  return { delayMs, build };
}
