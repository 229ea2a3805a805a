import type { EventSeverity } from '../../core/event-schema.js';

/** The four kinds of business the demo imitates; every planned event belongs to one. */
export const demoDomains = ['billing', 'crm', 'iot', 'catalog'] as const;
export type DemoDomain = (typeof demoDomains)[number];

/** The entities the demo publishes: their topics must exist (`evp topics ensure` makes every entity's). */
export const demoEntities = [
  'customer',
  'subscription',
  'transaction',
  'invoice',
  'crm.deal',
  'sim',
  'endpoint',
  'product',
  'price',
  'pim.sku',
] as const;

/** A tenant the demo publishes for, with what makes its data look like its own. */
export interface DemoOrganization {
  /** `org_acme`, `org_globex`, … */
  readonly id: string;
  readonly name: string;
  /** Short, upper-case: invoice numbers and SKUs start with it. */
  readonly code: string;
  /** ISO 4217: its prices, invoices and deals. */
  readonly currency: string;
  /** BCP 47: its customers' locale. */
  readonly locale: string;
  /** ISO 3166-1 alpha-2: where it sells (VAT rate, SIM operators). */
  readonly country: string;
  /** VAT rate in percent applied to its invoices and transactions. */
  readonly taxPercent: number;
  /** Its staff, who own deals and send invoices (`actor`). */
  readonly users: readonly string[];
}

/**
 * One event the planner decided on: what `publishUntyped(type, event)` takes, with the time
 * (`occurred_at`, ms since the epoch) and the entity already set.
 */
export interface PlannedEvent {
  readonly type: string;
  readonly domain: DemoDomain;
  readonly organization_id: string;
  readonly entity_id: string;
  /** ms since the epoch; strictly increasing over the plan. */
  readonly occurred_at: number;
  readonly data: Readonly<Record<string, unknown>>;
  /** Only on updates: the changed fields as they were before (null when nothing representable changed). */
  readonly previous_attributes: Readonly<Record<string, unknown>> | null;
  /** Set only where the event overrides the catalogue's severity. */
  readonly severity?: EventSeverity;
  readonly actor: string | null;
  readonly request_id: string | null;
}
