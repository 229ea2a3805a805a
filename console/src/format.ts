/** Display helpers: times, values and the diff of an update. No DOM, so they are easy to test. */

export function formatTime(iso: string | null | undefined): string {
  if (iso === null || iso === undefined) return '—';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return date.toLocaleString(undefined, {
    year: 'numeric',
    month: 'short',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  });
}

/** "12 s ago", "3 min ago": for freshness, with the exact time in a title. */
export function formatAge(iso: string | null | undefined, now = Date.now()): string {
  if (iso === null || iso === undefined) return '—';
  const seconds = Math.max(0, Math.round((now - new Date(iso).getTime()) / 1000));
  if (seconds < 60) return `${seconds} s ago`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ago`;
  if (seconds < 86_400) return `${Math.floor(seconds / 3600)} h ago`;
  return `${Math.floor(seconds / 86_400)} d ago`;
}

export function formatValue(value: unknown): string {
  if (value === undefined) return '(absent)';
  if (typeof value === 'string') return value;
  return JSON.stringify(value);
}

export interface AttributeChange {
  readonly attribute: string;
  readonly previous: unknown;
  readonly current: unknown;
  /** The attribute was not there before (previous_attributes gave null) or is gone now. */
  readonly kind: 'changed' | 'added' | 'removed';
}

/**
 * What an update changed: every attribute named in `previous_attributes`, its value before and
 * its value now (from `data`). Nested objects are compared as a whole, as the API reports them.
 */
export function diffAttributes(previous: Record<string, unknown> | null, data: Record<string, unknown>): AttributeChange[] {
  if (previous === null) return [];
  return Object.keys(previous)
    .sort()
    .map((attribute) => {
      const before = previous[attribute];
      const after = Object.hasOwn(data, attribute) ? data[attribute] : undefined;
      const kind = after === undefined ? 'removed' : before === null || before === undefined ? 'added' : 'changed';
      return { attribute, previous: before, current: after, kind };
    });
}

/** `datetime-local` input value (local time) → RFC 3339 with the offset, as the API wants. */
export function localInputToRfc3339(value: string): string | undefined {
  if (value === '') return undefined;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}

/** RFC 3339 → `datetime-local` input value. */
export function rfc3339ToLocalInput(value: string | undefined | null): string {
  if (!value) return '';
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) return '';
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}`;
}
