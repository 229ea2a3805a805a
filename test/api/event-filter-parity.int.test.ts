import type pg from 'pg';
import { beforeAll, describe, expect, it } from 'vitest';
import { migratePool } from '../../adapters/migrate.js';
import { parseEventFilter } from '../../api/event-filter.js';
import { eventFilters, eventMatches, type EventFilter, type FilterCatalogue, type FilterQuery } from '../../core/event-filter.js';
import { createEventId } from '../../core/ids.js';
import { listEvents } from '../../store/list-events.js';
import { readEventsAfter } from '../../store/read-events-after.js';
import { useTestContext } from '../harness/index.js';
import { createTestLogger } from '../harness/log-sink.js';

/**
 * The list runs each filter as SQL, the live tail runs it in memory (core/event-filter.ts holds
 * both). Over the same stored events, every filter and some combinations must select the same ids.
 */
const ctx = useTestContext('event_filter_parity');
const org = 'org_parity';
const hour = 3_600_000;
const catalogue: FilterCatalogue = {
  types: [
    'customer.created',
    'customer.updated',
    'invoice.created',
    'invoice.paid',
    'crm.deal.created',
    'crm.deal.stage_updated',
    'sim.activated',
  ],
  entities: new Set(['customer', 'invoice', 'crm.deal', 'sim']),
};
let db: pg.Pool;

interface Stored {
  readonly type: string;
  readonly entityId: string;
  readonly severity?: string;
  readonly source?: string;
  readonly requestId?: string;
  readonly data?: Record<string, unknown>;
  readonly organizationId?: string;
}

// Varied on every field a filter reads: case, non-ASCII, numbers and non-text values in the
// identifying fields, search terms in fields that are not searched, LIKE wildcards, nulls.
const stored: Stored[] = [
  {
    type: 'invoice.created',
    entityId: 'INV-1',
    requestId: 'req_a',
    data: { number: 'F-1001', amount_cents: 125_000, memo: 'Quarterly retainer' },
  },
  { type: 'invoice.paid', entityId: 'INV-1', requestId: 'req_a', source: 'api', data: { number: 'F-1001', email: 'Billing@Example.com' } },
  { type: 'invoice.created', entityId: 'inv-1', severity: 'warn', requestId: 'REQ_A', data: { number: 42, code: '100%_off' } },
  { type: 'invoice.paid', entityId: 'INV-2', severity: 'critical', source: 'integration', data: { invoice_number: 8.5, sku: ['F-1001'] } },
  { type: 'customer.created', entityId: 'cus_1', data: { name: 'Ada Lovelace', email: 'Ada@Example.com', first_name: 'Ada' } },
  { type: 'customer.updated', entityId: 'cus_1', requestId: 'req_b', source: 'api', data: { name: 'Ada King', email: 'ada@example.com' } },
  { type: 'customer.created', entityId: 'cus_2', severity: 'warn', data: { name: 'Zoë Ångström', last_name: 'Ångström', note: 'ada' } },
  { type: 'customer.updated', entityId: 'CUS_3', source: 'policy', data: { name: null, email: true, code: { value: 'ada' } } },
  { type: 'crm.deal.created', entityId: 'deal_1', source: 'system', data: { name: 'Big Deal', domain: 'Example.org' } },
  { type: 'crm.deal.stage_updated', entityId: 'deal_1', severity: 'critical', source: 'system', data: { name: 'Big Deal', stage: 'won' } },
  { type: 'crm.deal.created', entityId: 'deal_2', requestId: 'req_b', data: { name: 'Small_deal', respondent_email: 'R@X.io' } },
  {
    type: 'sim.activated',
    entityId: 'sim_1',
    severity: 'warn',
    source: 'network',
    data: { iccid: '8988303000000000001', imsi: 901430000000001, msisdn: '4915100000001', imei: '490154203237518' },
  },
  { type: 'sim.activated', entityId: 'sim_2', severity: 'info', source: 'network', data: {} },
  // Another organization's events never appear, whatever the filter.
  { type: 'invoice.paid', entityId: 'INV-1', organizationId: 'org_other', requestId: 'req_a', data: { number: 'F-1001' } },
  // Where the two sides are known to differ (see the last test), kept apart.
  { type: 'customer.created', entityId: 'cus_9', organizationId: 'org_apart', data: { name: 'ÉLODIE', number: 1e21 } },
];
const ids: string[] = [];

beforeAll(async () => {
  const { pool, schema } = await ctx.createTestDatabase();
  await migratePool(pool, schema, createTestLogger('error'));
  // One partition for every day: the events below span several.
  await pool.query('create table events_all partition of events default');
  db = pool;
  const now = Date.now();
  for (const [index, event] of stored.entries()) {
    // Seven hours apart: the list reads these through several of its day windows.
    const id = createEventId(now - index * 7 * hour);
    ids.push(id);
    await pool.query(
      `insert into events (id, type, entity_type, entity_id, action, organization_id, occurred_at, source, severity, request_id, data,
         schema_id, topic, kafka_partition, kafka_offset)
       values ($1, $2, $3, $4, 'created', $5, now(), $6, $7, $8, $9, 1, 'events', 0, $10)`,
      [
        id,
        event.type,
        event.type.slice(0, event.type.lastIndexOf('.')),
        event.entityId,
        event.organizationId ?? org,
        event.source ?? 'system',
        event.severity ?? 'info',
        event.requestId ?? null,
        event.data ?? {},
        index,
      ],
    );
  }
});

/** The ids the list returns for a filter: the SQL side. */
async function listed(filter: EventFilter, organizationId = org): Promise<string[]> {
  const { rows } = await listEvents(db, { organizationId, filter, range: {}, limit: 1000 });
  return rows.map((row) => row.id);
}

/** The ids the live tail sends for a filter, over the rows it reads: the in-memory side. */
async function followed(filter: EventFilter, organizationId = org): Promise<string[]> {
  const rows = await readEventsAfter(db, organizationId, { txId: 0n, id: '' }, 1000);
  return rows
    .filter((row) => eventMatches(filter, row))
    .map((row) => row.id)
    .sort()
    .reverse();
}

const cases: FilterQuery[] = [
  {},
  { type: ['invoice.*'] },
  { type: ['invoice.paid,customer.created'] },
  { type: ['crm.*', 'sim.activated'] },
  { type: ['*'] },
  { entity_type: 'invoice' },
  { entity_type: 'crm.deal' },
  { entity_id: 'INV-1' },
  { entity_id: 'inv-1' },
  { entity_id: 'CUS_3' },
  { entity_id: 'INV' },
  { severity: ['warn'] },
  { severity: ['info,critical'] },
  { source: ['api'] },
  { source: ['network', 'system'] },
  { request_id: 'req_a' },
  { request_id: 'REQ_A' },
  { request_id: 'req' },
  { q: 'ada' },
  { q: 'LOVELACE' },
  { q: 'example' },
  { q: 'f-1001' },
  { q: 'inv-1' },
  { q: '42' },
  { q: '8.5' },
  { q: '901430000000001' },
  { q: 'true' },
  { q: 'retainer' },
  { q: '125000' },
  { q: 'won' },
  { q: '%' },
  { q: '_' },
  { q: '100%_' },
  { q: 'ö' },
  { q: 'zoë' },
  { q: 'f-1001billing' },
  { q: 'sim_' },
  { q: 'nothing-like-this' },
  { type: ['invoice.*'], severity: ['warn,critical'] },
  { entity_type: 'customer', q: 'ada' },
  { source: ['api'], request_id: 'req_a' },
  { type: ['crm.*'], entity_id: 'deal_1', severity: ['critical'], source: ['system'], q: 'big' },
  {
    type: ['invoice.paid'],
    entity_type: 'invoice',
    entity_id: 'INV-1',
    severity: ['info'],
    source: ['api'],
    request_id: 'req_a',
    q: 'billing',
  },
];

describe('event filters in SQL and in memory', () => {
  it.each(cases.map((filterQuery) => [JSON.stringify(filterQuery), filterQuery] as const))(
    '%s selects the same events from the store as in memory',
    async (_name, filterQuery) => {
      const filter = parseEventFilter(filterQuery, catalogue);
      expect(await listed(filter)).toEqual(await followed(filter));
    },
  );

  it('selects by an exact event id the same way on both sides', async () => {
    for (const id of [ids[3]!, ids[3]!.toUpperCase(), ids[3]!.slice(0, 20)]) {
      const filter = parseEventFilter({ q: id }, catalogue);
      expect(await listed(filter), id).toEqual(await followed(filter));
    }
    expect(await listed(parseEventFilter({ q: ids[3]! }, catalogue))).toEqual([ids[3]]);
  });

  it('covers every filter, each with a case that selects some events but not all', async () => {
    const all = await followed({});
    expect(all).toHaveLength(stored.filter((event) => event.organizationId === undefined).length);
    const selective = new Set<string>();
    for (const filterQuery of cases) {
      const filter = parseEventFilter(filterQuery, catalogue);
      const keys = Object.keys(filter);
      const found = await followed(filter);
      if (keys.length === 1 && found.length > 0 && found.length < all.length) selective.add(keys[0]!);
    }
    expect([...selective].sort()).toEqual(Object.keys(eventFilters).sort());
  });

  // Known differences, kept visible until they are settled: under the "C" collation the entity id
  // brings to the search text, SQL's lower() folds ASCII letters only (toLowerCase() folds all);
  // and PostgreSQL writes a jsonb number in full where String() uses an exponent (1e21 and up).
  it.fails.each([['élodie'], ['1e+21'], ['1000000000000000000000']])('q=%s selects the same events on both sides', async (q) => {
    const filter = parseEventFilter({ q }, catalogue);
    expect(await listed(filter, 'org_apart')).toEqual(await followed(filter, 'org_apart'));
  });
});
