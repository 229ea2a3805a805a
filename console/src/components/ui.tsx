import type { ComponentChildren } from 'preact';
import type { ApiError } from '../api';
import { formatAge, formatTime } from '../format';
import type { DeliveryStatus } from '../types';
import { useScrollable } from '../use-scrollable';

/** Severity by colour and by word, so it never depends on colour alone. */
export function SeverityBadge({ severity }: { severity: string }) {
  const icon = severity === 'critical' ? '▲' : severity === 'warn' ? '●' : '○';
  return (
    <span class={`badge severity-${severity}`}>
      <span aria-hidden="true">{icon} </span>
      {severity}
    </span>
  );
}

const statusLabels: Readonly<Record<string, string>> = {
  pending: 'pending',
  needs_retry: 'retrying',
  delivered: 'delivered',
  failed: 'failed',
} satisfies Record<DeliveryStatus, string>;

/** A delivery's status as the API answers it (a status this console does not know is shown as is). */
export function StatusBadge({ status }: { status: string }) {
  return <span class={`badge status-${status}`}>{statusLabels[status] ?? status}</span>;
}

export function Time({ iso, relative = false }: { iso: string | null | undefined; relative?: boolean }) {
  if (!iso) return <span>—</span>;
  return (
    <time dateTime={iso} title={iso}>
      {relative ? formatAge(iso) : formatTime(iso)}
    </time>
  );
}

export function ErrorNote({ error, context, id }: { error: ApiError | undefined; context?: string; id?: string }) {
  if (!error) return null;
  return (
    <p class="error" role="alert" id={id}>
      {context ? `${context}: ` : ''}
      {error.message}
      {error.param ? <span class="muted"> (parameter {error.param})</span> : null}
    </p>
  );
}

export function Loading({ when }: { when: boolean }) {
  return when ? (
    <p class="muted" role="status">
      Loading…
    </p>
  ) : null;
}

/**
 * A wide table in a region that scrolls sideways on a narrow screen; while it does, the region can
 * take focus to scroll by keyboard (a table that fits is no tab stop).
 */
export function TableScroll({ label, children }: { label: string; children: ComponentChildren }) {
  const [ref, scrollable] = useScrollable<HTMLDivElement>();
  return (
    <div ref={ref} class="table-scroll" role="region" aria-label={label} tabIndex={scrollable ? 0 : undefined}>
      {children}
    </div>
  );
}

/** JSON in a region of limited height, focusable (to scroll by keyboard) only when it is clipped. */
export function JsonView({ value, label }: { value: unknown; label: string }) {
  const [ref, scrollable] = useScrollable<HTMLPreElement>();
  return (
    <pre ref={ref} class="json" role="region" aria-label={label} tabIndex={scrollable ? 0 : undefined}>
      {JSON.stringify(value, null, 2)}
    </pre>
  );
}

export interface PagerProps {
  readonly hasNewer: boolean;
  readonly hasOlder: boolean;
  readonly onNewer: () => void;
  readonly onOlder: () => void;
  readonly label?: string;
}

export function Pager({ hasNewer, hasOlder, onNewer, onOlder, label = 'Pages' }: PagerProps) {
  return (
    <nav class="pager" aria-label={label}>
      <button type="button" onClick={onNewer} disabled={!hasNewer}>
        ← Newer
      </button>
      <button type="button" onClick={onOlder} disabled={!hasOlder}>
        Older →
      </button>
    </nav>
  );
}

export function Field({ label, hint, children, id }: { label: string; hint?: string; children: ComponentChildren; id: string }) {
  return (
    <div class="field">
      <label for={id}>{label}</label>
      {children}
      {hint ? (
        <small id={`${id}-hint`} class="muted">
          {hint}
        </small>
      ) : null}
    </div>
  );
}

/** A table's column headings; an empty name is an unlabelled (actions) column, named for screen readers. */
export function TableHead({ columns }: { columns: readonly string[] }) {
  return (
    <thead>
      <tr>
        {columns.map((column, index) => (
          <th key={index} scope="col">
            {column === '' ? <span class="sr-only">Actions</span> : column}
          </th>
        ))}
      </tr>
    </thead>
  );
}

/** A select of the catalogue's entity types; `emptyLabel` is the "no choice" option. */
export function EntityTypeSelect(props: {
  id: string;
  entities: readonly string[];
  value: string;
  emptyLabel: string;
  required?: boolean;
  onChange: (value: string) => void;
}) {
  return (
    <select id={props.id} value={props.value} required={props.required} onChange={(event) => props.onChange(event.currentTarget.value)}>
      <option value="">{props.emptyLabel}</option>
      {props.entities.map((entity) => (
        <option key={entity} value={entity}>
          {entity}
        </option>
      ))}
    </select>
  );
}
