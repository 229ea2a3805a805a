import { describe, expect, it } from 'vitest';
import { eventMatches, searchSeparator, searchText, type EventFilter, type FilterableEvent } from '../../core/event-filter.js';
import { createEventId } from '../../core/ids.js';

const eventId = createEventId(1_767_225_600_000);

function invoicePaid(overrides: Partial<FilterableEvent> = {}): FilterableEvent {
  return {
    id: eventId,
    type: 'invoice.paid',
    entity_type: 'invoice',
    entity_id: 'INV-2026-0042',
    severity: 'info',
    source: 'api',
    request_id: 'req_7f3a',
    data: { invoice_number: 'F-1001', email: 'Ada@Example.com', amount_cents: 125_000, memo: 'Quarterly retainer' },
    ...overrides,
  };
}

describe('eventMatches', () => {
  it('matches every event when the filter is empty', () => {
    expect(eventMatches({}, invoicePaid())).toBe(true);
    expect(eventMatches({}, invoicePaid({ request_id: null, data: {} }))).toBe(true);
  });

  it('matches on types only the listed types', () => {
    expect(eventMatches({ types: ['invoice.created', 'invoice.paid'] }, invoicePaid())).toBe(true);
    expect(eventMatches({ types: ['invoice.created'] }, invoicePaid())).toBe(false);
    expect(eventMatches({ types: [] }, invoicePaid())).toBe(false);
  });

  it('matches on entityType only that entity type, exactly', () => {
    expect(eventMatches({ entityType: 'invoice' }, invoicePaid())).toBe(true);
    expect(eventMatches({ entityType: 'customer' }, invoicePaid())).toBe(false);
    expect(eventMatches({ entityType: 'crm' }, invoicePaid({ entity_type: 'crm.deal' }))).toBe(false);
  });

  it('matches on entityId only that entity, exactly and case-sensitively', () => {
    expect(eventMatches({ entityId: 'INV-2026-0042' }, invoicePaid())).toBe(true);
    expect(eventMatches({ entityId: 'INV-2026-0043' }, invoicePaid())).toBe(false);
    expect(eventMatches({ entityId: 'inv-2026-0042' }, invoicePaid())).toBe(false);
    expect(eventMatches({ entityId: 'INV-2026' }, invoicePaid())).toBe(false);
  });

  it('matches on severities only the listed severities', () => {
    expect(eventMatches({ severities: ['warn', 'info'] }, invoicePaid())).toBe(true);
    expect(eventMatches({ severities: ['warn', 'critical'] }, invoicePaid())).toBe(false);
  });

  it('matches on sources only the listed sources', () => {
    expect(eventMatches({ sources: ['api'] }, invoicePaid())).toBe(true);
    expect(eventMatches({ sources: ['system', 'integration'] }, invoicePaid())).toBe(false);
  });

  it('matches on requestId only events of that request, never one without a request', () => {
    expect(eventMatches({ requestId: 'req_7f3a' }, invoicePaid())).toBe(true);
    expect(eventMatches({ requestId: 'req_0000' }, invoicePaid())).toBe(false);
    expect(eventMatches({ requestId: 'req_7f3a' }, invoicePaid({ request_id: null }))).toBe(false);
  });

  it('matches on q a part of the entity id or of an identifying field, case-insensitively', () => {
    expect(eventMatches({ q: '2026-00' }, invoicePaid())).toBe(true);
    expect(eventMatches({ q: 'inv-2026-0042' }, invoicePaid())).toBe(true);
    expect(eventMatches({ q: 'f-100' }, invoicePaid())).toBe(true);
    expect(eventMatches({ q: 'ada@example' }, invoicePaid())).toBe(true);
    expect(eventMatches({ q: 'grace' }, invoicePaid())).toBe(false);
  });

  it('matches on q the exact event id', () => {
    expect(eventMatches({ q: eventId }, invoicePaid())).toBe(true);
    expect(eventMatches({ q: createEventId(1_767_225_600_000) }, invoicePaid())).toBe(false);
  });

  it('does not match on q the data fields that do not identify the entity', () => {
    expect(eventMatches({ q: 'retainer' }, invoicePaid())).toBe(false);
    expect(eventMatches({ q: '125000' }, invoicePaid())).toBe(false);
  });

  it('does not match on q a text that spans two fields', () => {
    // The search text is "inv-2026-0042␁f-1001␁ada@example.com": "0042f" crosses the separator.
    expect(eventMatches({ q: '0042f' }, invoicePaid())).toBe(false);
    expect(eventMatches({ q: '1001ada' }, invoicePaid())).toBe(false);
    expect(eventMatches({ q: '0042' }, invoicePaid())).toBe(true);
  });

  it('matches combined filters only when every one of them matches', () => {
    const filter: EventFilter = {
      types: ['invoice.paid'],
      entityType: 'invoice',
      entityId: 'INV-2026-0042',
      severities: ['info'],
      sources: ['api'],
      requestId: 'req_7f3a',
      q: 'ada',
    };
    expect(eventMatches(filter, invoicePaid())).toBe(true);
    const misses: Partial<FilterableEvent>[] = [
      { type: 'invoice.created' },
      { entity_type: 'customer' },
      { entity_id: 'INV-2026-0043' },
      { severity: 'warn' },
      { source: 'system' },
      { request_id: 'req_other' },
      { data: { email: 'grace@example.com' } },
    ];
    for (const miss of misses) expect(eventMatches(filter, invoicePaid(miss)), JSON.stringify(miss)).toBe(false);
  });
});

describe('searchText', () => {
  it('joins the entity id and the identifying fields, lowercased and separated', () => {
    const text = searchText({ entity_id: 'CUS-9', data: { email: 'Ada@Example.COM', name: 'Ada Lovelace', id: 'CUS-9' } });
    // Catalogue field order: id, name, email.
    expect(text).toBe(['cus-9', 'cus-9', 'ada lovelace', 'ada@example.com'].join(searchSeparator));
  });

  it('reads every identifying field, including SIM identities and person names', () => {
    const data = {
      number: 'N-1',
      invoice_number: 'F-2',
      code: 'C-3',
      sku: 'S-4',
      iccid: '8944500102198304826',
      imsi: '234150999999999',
      msisdn: '447700900123',
      imei: '490154203237518',
      domain: 'Example.org',
      respondent_email: 'R@x.io',
      first_name: 'Grace',
      last_name: 'Hopper',
    };
    const parts = searchText({ entity_id: 'e1', data }).split(searchSeparator);
    expect(parts).toEqual(['e1', ...Object.values(data).map((value) => value.toLowerCase())]);
  });

  it('takes numbers as their decimal text and skips values that are not strings or numbers', () => {
    const text = searchText({
      entity_id: 'sim_1',
      data: { number: 42, name: null, email: true, code: { value: 'X' }, sku: ['A'], imsi: undefined, iccid: 8.5 },
    });
    expect(text).toBe(['sim_1', '42', '8.5'].join(searchSeparator));
  });

  it('leaves out the data fields that do not identify the entity', () => {
    expect(searchText({ entity_id: 'Deal-1', data: { stage: 'Won', amount: 10, description: 'Big one' } })).toBe('deal-1');
  });

  it('separates fields with a character that q cannot contain', () => {
    expect(searchSeparator.charCodeAt(0)).toBeLessThan(0x20);
    expect(searchText({ entity_id: 'a', data: { name: 'b' } })).toBe(`a${searchSeparator}b`);
  });
});
