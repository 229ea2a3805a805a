import { eventSeverities, eventSources } from './event-schema.js';
import { expandPatterns } from './event-types.js';

/**
 * The filters of the Events API's list and live tail, each described once in `eventFilters`: the
 * query parameter, how it is read and checked, the SQL condition the list runs
 * (store/list-events.ts) and the same test in memory, which the live tail runs on each event.
 * test/api/event-filter-parity.int.test.ts runs both sides over the same events.
 */

/** The fields of an event the filters read (the columns of the same names). */
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

/** What the filters are checked against: the catalogue's types and entities. */
export interface FilterCatalogue {
  readonly types: readonly string[];
  readonly entities: ReadonlySet<string>;
}

/** How a filter parameter is refused; the API turns it into a 400 naming the parameter. */
export type RefuseFilter = (message: string, code?: 'event_type_unknown' | 'entity_type_unknown') => never;

/** Adds a statement parameter and returns its placeholder (`$3`), so values never enter the SQL text. */
export type AddParam = (value: unknown) => string;

interface FilterDefinition<Param extends string, Raw, Value> {
  /** The query parameter it is read from. */
  readonly param: Param;
  /** The checked value, or undefined when the parameter leaves the filter unset. */
  parse(raw: Raw | undefined, catalogue: FilterCatalogue, refuse: RefuseFilter): Value | undefined;
  /** The condition on `events e`. */
  sql(value: Value, add: AddParam): string;
  /** The same condition on an event in memory. */
  matches(value: Value, event: FilterableEvent): boolean;
}

const define = <Param extends string, Raw, Value>(definition: FilterDefinition<Param, Raw, Value>) => definition;

type TextField = 'type' | 'entity_type' | 'entity_id' | 'severity' | 'source' | 'request_id';

// PostgreSQL's = on text is exact (its collations here are deterministic), as === is.
const equals = (field: TextField) => ({
  sql: (value: string, add: AddParam) => `e.${field} = ${add(value)}`,
  matches: (value: string, event: FilterableEvent) => event[field] === value,
});

const anyOf = (field: TextField) => ({
  sql: (values: readonly string[], add: AddParam) => `e.${field} = any(${add(values)}::text[])`,
  matches: (values: readonly string[], event: FilterableEvent) => values.some((value) => value === event[field]),
});

/** A text parameter taken as given, matching the field exactly. */
const exactFilter = <Param extends string>(param: Param, field: TextField) =>
  define({ param, parse: (raw: string | undefined) => raw, ...equals(field) });

/** A list parameter of allowed values, matching any of them. */
const enumListFilter = <Param extends string>(param: Param, allowed: readonly string[], field: TextField) =>
  define({
    param,
    parse(raw: readonly string[] | undefined, _catalogue: FilterCatalogue, refuse: RefuseFilter) {
      const items = splitList(raw);
      for (const item of items ?? []) {
        if (!allowed.includes(item)) refuse(`${param} must be one of ${allowed.join(', ')}; got ${JSON.stringify(item)}.`);
      }
      return items;
    },
    ...anyOf(field),
  });

/** `a,b` and repeated parameters alike, trimmed, empty items dropped. */
function splitList(values: readonly string[] | undefined): string[] | undefined {
  if (values === undefined) return undefined;
  const items = values
    .flatMap((value) => value.split(','))
    .map((item) => item.trim())
    .filter((item) => item !== '');
  return items.length > 0 ? items : undefined;
}

/**
 * Every filter, in the order parameters are checked (the first bad one is reported) and SQL
 * parameters are numbered. A filter left unset matches every event.
 */
export const eventFilters = {
  /** Concrete catalogue types: the patterns of `type`, expanded. */
  types: define({
    param: 'type',
    parse(raw: readonly string[] | undefined, catalogue: FilterCatalogue, refuse: RefuseFilter) {
      const patterns = splitList(raw);
      if (!patterns) return undefined;
      const expanded = expandPatterns(patterns, catalogue.types);
      if ('unknown' in expanded) {
        refuse(
          `No event type matches ${JSON.stringify(expanded.unknown)}; use a type from GET /api/v1/event-types or a prefix pattern such as invoice.*.`,
          'event_type_unknown',
        );
      }
      return expanded.types;
    },
    ...anyOf('type'),
  }),
  entityType: define({
    param: 'entity_type',
    parse(raw: string | undefined, catalogue: FilterCatalogue, refuse: RefuseFilter) {
      if (raw !== undefined && !catalogue.entities.has(raw))
        refuse(`Unknown entity type ${JSON.stringify(raw)}; see GET /api/v1/event-types.`, 'entity_type_unknown');
      return raw;
    },
    ...equals('entity_type'),
  }),
  entityId: exactFilter('entity_id', 'entity_id'),
  severities: enumListFilter('severity', eventSeverities, 'severity'),
  sources: enumListFilter('source', eventSources, 'source'),
  requestId: exactFilter('request_id', 'request_id'),
  /** Lowercased search text: the exact event id, or a part of searchText(). */
  q: define({
    param: 'q',
    parse(raw: string | undefined, _catalogue: FilterCatalogue, refuse: RefuseFilter) {
      if (raw === undefined) return undefined;
      if ([...raw].some((char) => char.charCodeAt(0) < 0x20 || (char.charCodeAt(0) >= 0x7f && char.charCodeAt(0) <= 0x9f)))
        refuse('q must not contain control characters.');
      return raw.toLowerCase();
    },
    sql(q: string, add: AddParam) {
      const placeholder = add(q);
      return `(e.id = ${placeholder} or strpos(${searchTextSql}, ${placeholder}) > 0)`;
    },
    matches: (q: string, event: FilterableEvent) => event.id === q || searchText(event).includes(q),
  }),
};

type Definitions = typeof eventFilters;
type ValueOf<D> = D extends { matches(value: infer Value, event: FilterableEvent): boolean } ? Value : never;
type RawOf<D> = D extends { parse(raw: infer Raw, catalogue: FilterCatalogue, refuse: RefuseFilter): unknown } ? Raw : never;

/** The filters, parsed and checked. */
export type EventFilter = { readonly [K in keyof Definitions]?: ValueOf<Definitions[K]> };

/** The filter parameters as the query string carries them. */
export type FilterQuery = { readonly [K in keyof Definitions as Definitions[K]['param']]?: RawOf<Definitions[K]> };

/** A definition with its types erased, for the loops that treat every filter alike. */
interface AnyFilter {
  readonly param: keyof FilterQuery;
  parse(raw: unknown, catalogue: FilterCatalogue, refuse: RefuseFilter): unknown;
  sql(value: unknown, add: AddParam): string;
  matches(value: unknown, event: FilterableEvent): boolean;
}
const filterList = Object.entries(eventFilters) as [keyof Definitions, AnyFilter][];

/** Reads the filter parameters; `refuse` reports the first bad one, naming its parameter. */
export function readEventFilter(
  query: FilterQuery,
  catalogue: FilterCatalogue,
  refuse: (param: string, ...problem: Parameters<RefuseFilter>) => never,
): EventFilter {
  const filter: Partial<Record<keyof Definitions, unknown>> = {};
  for (const [key, definition] of filterList) {
    const value = definition.parse(query[definition.param], catalogue, (...problem) => refuse(definition.param, ...problem));
    if (value !== undefined) filter[key] = value;
  }
  return filter as EventFilter;
}

/** The SQL conditions on `events e` of the filters that are set. */
export function eventFilterSql(filter: EventFilter, add: AddParam): string[] {
  return filterList.flatMap(([key, definition]) => (filter[key] === undefined ? [] : [definition.sql(filter[key], add)]));
}

/** Whether an event passes every filter that is set: in memory, what eventFilterSql asks of the store. */
export function eventMatches(filter: EventFilter, event: FilterableEvent): boolean {
  return filterList.every(([key, definition]) => filter[key] === undefined || definition.matches(filter[key], event));
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

// searchText() in SQL: strings and numbers only; concat_ws skips the nulls.
const searchTextSql = `lower(concat_ws(chr(${searchSeparator.charCodeAt(0)}), e.entity_id, ${identifyingFields
  .map((field) => `case when jsonb_typeof(e.data->'${field}') in ('string', 'number') then e.data->>'${field}' end`)
  .join(', ')}))`;
