import { describe, expect, it } from 'vitest';
import { envelopeProblems, headersAsText, maxClockSkewMs, toEventRow } from '../../consumers/materializer/records.js';
import { createEventId } from '../../core/ids.js';

/** 2026-11-24T12:00:00.000Z */
const now = Date.UTC(2026, 10, 24, 12);

function validEvent(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: createEventId(now - 1_000),
    type: 'invoice.updated',
    occurred_at: now * 1000 + 123,
    organization_id: 'org_1',
    entity_type: 'invoice',
    entity_id: 'inv_1',
    action: 'updated',
    source: 'api',
    severity: 'info',
    request_id: 'req_1',
    actor: 'usr_1',
    data: { id: 'inv_1', amount: 1200, status: 'open', note: null },
    previous_attributes: { amount: 1000, status: null, note: null },
    ...overrides,
  };
}

describe('envelopeProblems', () => {
  it('finds nothing wrong with a valid event', () => {
    expect(envelopeProblems(validEvent(), 'invoice', now)).toEqual([]);
  });

  it('accepts a data without an id and ids made up to a day ahead of this clock', () => {
    expect(envelopeProblems(validEvent({ data: { amount: 1 } }), 'invoice', now)).toEqual([]);
    expect(envelopeProblems(validEvent({ id: createEventId(now + maxClockSkewMs) }), 'invoice', now)).toEqual([]);
  });

  it('rejects an id that is not evt_ + UUIDv7', () => {
    for (const id of ['evt_123', 'a1b2c3d4-5678-70ab-8def-1234567890ab', 42, undefined, '']) {
      const problems = envelopeProblems(validEvent({ id }), 'invoice', now);
      expect(problems, String(id)).toHaveLength(1);
      expect(problems[0]).toMatch(/is not an event id/);
    }
    // A UUIDv4 in evt_ form.
    expect(envelopeProblems(validEvent({ id: 'evt_0192f3a4-5b00-4abc-8def-1234567890ab' }), 'invoice', now)).toEqual([
      expect.stringMatching(/is not an event id/),
    ]);
  });

  it('rejects an id made more than a day ahead of this clock', () => {
    const id = createEventId(now + maxClockSkewMs + 1);
    expect(envelopeProblems(validEvent({ id }), 'invoice', now)).toEqual([
      `id ${id} was made at 2026-11-25T12:00:00.001Z, more than a day ahead of this clock`,
    ]);
  });

  it("rejects an entity_type that is not the topic's", () => {
    const problems = envelopeProblems(validEvent({ entity_type: 'payment', type: 'payment.updated' }), 'invoice', now);
    expect(problems).toEqual(['entity_type "payment" is not the topic\'s entity "invoice"']);
  });

  it('rejects a type that is not entity_type.action', () => {
    expect(envelopeProblems(validEvent({ type: 'invoice.created' }), 'invoice', now)).toEqual([
      'type "invoice.created" is not <entity_type>.<action> (invoice.updated)',
    ]);
    expect(envelopeProblems(validEvent({ action: 'paid' }), 'invoice', now)).toEqual([
      'type "invoice.updated" is not <entity_type>.<action> (invoice.paid)',
    ]);
  });

  it('rejects an empty organization_id', () => {
    for (const organization_id of ['', '   ', undefined]) {
      expect(envelopeProblems(validEvent({ organization_id }), 'invoice', now)).toEqual(['organization_id is empty']);
    }
  });

  it('rejects an empty entity_id', () => {
    expect(envelopeProblems(validEvent({ entity_id: '', data: { amount: 1 } }), 'invoice', now)).toEqual(['entity_id is empty']);
  });

  it('rejects an entity_id that differs from data.id', () => {
    expect(envelopeProblems(validEvent({ entity_id: 'inv_2' }), 'invoice', now)).toEqual([
      'entity_id "inv_2" differs from data.id "inv_1"',
    ]);
  });

  it('reports every problem at once', () => {
    const event = validEvent({ id: 'nope', entity_type: 'payment', organization_id: '', entity_id: '' });
    expect(envelopeProblems(event, 'invoice', now)).toEqual([
      'id "nope" is not an event id (evt_ + UUIDv7)',
      'entity_type "payment" is not the topic\'s entity "invoice"',
      'type "invoice.updated" is not <entity_type>.<action> (payment.updated)',
      'organization_id is empty',
      'entity_id is empty',
      'entity_id "" differs from data.id "inv_1"',
    ]);
  });
});

describe('toEventRow', () => {
  const origin = { topic: 'evp.invoice', entityType: 'invoice', partition: 3, offset: '1234' };

  it('maps the envelope to a row', () => {
    const event = validEvent();
    expect(toEventRow(event, 7, origin)).toEqual({
      id: event['id'],
      type: 'invoice.updated',
      entityType: 'invoice',
      entityId: 'inv_1',
      action: 'updated',
      organizationId: 'org_1',
      occurredAt: '2026-11-24T12:00:00.000123Z',
      source: 'api',
      severity: 'info',
      requestId: 'req_1',
      actor: 'usr_1',
      data: '{"id":"inv_1","amount":1200,"status":"open","note":null}',
      previousAttributes: '{"amount":1000}',
      schemaId: 7,
      topic: 'evp.invoice',
      partition: 3,
      offset: '1234',
      idTime: now - 1_000,
    });
  });

  it('writes occurred_at as RFC 3339 with microseconds', () => {
    const row = (micros: number) => toEventRow(validEvent({ occurred_at: micros }), 1, origin).occurredAt;
    expect(row(Date.UTC(2026, 0, 1) * 1000)).toBe('2026-01-01T00:00:00.000000Z');
    expect(row(Date.UTC(2026, 0, 1) * 1000 + 1)).toBe('2026-01-01T00:00:00.000001Z');
    expect(row(Date.UTC(2026, 0, 1, 23, 59, 59, 999) * 1000 + 999)).toBe('2026-01-01T23:59:59.999999Z');
  });

  it('keeps previous_attributes null, or only the fields that had a value', () => {
    expect(toEventRow(validEvent({ previous_attributes: null }), 1, origin).previousAttributes).toBeNull();
    expect(toEventRow(validEvent({ previous_attributes: { amount: null, status: null } }), 1, origin).previousAttributes).toBe('{}');
    expect(toEventRow(validEvent({ previous_attributes: { amount: 0, status: '' } }), 1, origin).previousAttributes).toBe(
      '{"amount":0,"status":""}',
    );
  });

  it('writes null request_id and actor as null', () => {
    const row = toEventRow(validEvent({ request_id: null, actor: null }), 1, origin);
    expect(row.requestId).toBeNull();
    expect(row.actor).toBeNull();
  });

  it('writes data as JSON that reads back the same, nested values included', () => {
    const data = { id: 'inv_1', lines: [{ sku: 'a', qty: 2 }], meta: { tags: ['x'], nothing: null }, text: 'tab\there "quoted"' };
    const row = toEventRow(validEvent({ data }), 1, origin);
    expect(JSON.parse(row.data)).toEqual(data);
  });

  it("takes idTime from the id's creation time", () => {
    const at = Date.UTC(2026, 10, 23, 23, 59, 59, 999);
    expect(toEventRow(validEvent({ id: createEventId(at) }), 1, origin).idTime).toBe(at);
  });
});

describe('headersAsText', () => {
  it('decodes Buffers and keeps strings', () => {
    expect(headersAsText({ ce_id: Buffer.from('evt_1'), 'content-type': 'application/avro', ce_type: Buffer.from('ünïcode') })).toEqual({
      ce_id: 'evt_1',
      'content-type': 'application/avro',
      ce_type: 'ünïcode',
    });
  });

  it('joins repeated headers with commas', () => {
    expect(headersAsText({ trace: [Buffer.from('a'), 'b', Buffer.from('c')] })).toEqual({ trace: 'a,b,c' });
    expect(headersAsText({ empty: [] })).toEqual({ empty: '' });
  });

  it('leaves out undefined headers and takes no headers as none', () => {
    expect(headersAsText({ a: undefined, b: Buffer.from('x') })).toEqual({ b: 'x' });
    expect(headersAsText(undefined)).toEqual({});
    expect(headersAsText({})).toEqual({});
  });

  it('writes other values as text', () => {
    expect(headersAsText({ n: 5, t: true })).toEqual({ n: '5', t: 'true' });
  });
});
