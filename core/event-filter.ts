/**
 * The filters of the Events API's list and live tail, parsed and checked. The list turns them into
 * SQL (api/sql/list-events.ts); the live tail applies them here, in memory. Both read `q` the same
 * way: a case-insensitive substring of the search text below, or the exact event id.
 */
export interface EventFilter {
  /** Concrete catalogue types (patterns already expanded); absent means every type. */
  readonly types?: readonly string[];
  readonly entityType?: string;
  readonly entityId?: string;
  readonly severities?: readonly string[];
  readonly sources?: readonly string[];
  readonly requestId?: string;
  /** Lowercased search text. */
  readonly q?: string;
}

/** The fields of an event the filters read. */
export interface FilterableEvent {
  readonly id: string;
  readonly type: string;
  readonly entity_type: string;
  readonly entity_id: string;
  readonly severity: string;
  readonly source: string;
  readonly request_id: string | null;
  readonly data: Readonly<Record<string, unknown>>;
}

/**
 * The data fields that identify an entity to a person (names, emails, numbers, SIM identities),
 * searched by `q` together with the entity id.
 */
export const identifyingFields = [
  'id',
  'name',
  'email',
  'number',
  'invoice_number',
  'code',
  'sku',
  'iccid',
  'imsi',
  'msisdn',
  'imei',
  'domain',
  'respondent_email',
  'first_name',
  'last_name',
] as const;

/** Separates the searched fields so that a match never spans two of them. */
export const searchSeparator = '\u0001';

/** The text `q` searches in: entity id and identifying fields, lowercased, separated. */
export function searchText(event: Pick<FilterableEvent, 'entity_id' | 'data'>): string {
  const parts = [event.entity_id];
  for (const field of identifyingFields) {
    const value = event.data[field];
    if (typeof value === 'string') parts.push(value);
    else if (typeof value === 'number') parts.push(String(value));
  }
  return parts.join(searchSeparator).toLowerCase();
}

export function eventMatches(filter: EventFilter, event: FilterableEvent): boolean {
  if (filter.types && !filter.types.includes(event.type)) return false;
  if (filter.entityType !== undefined && event.entity_type !== filter.entityType) return false;
  if (filter.entityId !== undefined && event.entity_id !== filter.entityId) return false;
  if (filter.severities && !filter.severities.includes(event.severity)) return false;
  if (filter.sources && !filter.sources.includes(event.source)) return false;
  if (filter.requestId !== undefined && event.request_id !== filter.requestId) return false;
  if (filter.q !== undefined && event.id !== filter.q && !searchText(event).includes(filter.q)) return false;
  return true;
}
