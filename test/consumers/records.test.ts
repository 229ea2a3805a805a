import { describe, expect, it } from 'vitest';
import { headersAsText, toEventRow } from '../../consumers/materializer/records.js';
import type { EventEnvelope } from '../../core/event-envelope.js';
import { createEventId, eventIdTime } from '../../core/ids.js';
import { eventLogColumns, eventRowValues } from '../../store/insert-events.js';
import { sampleEnvelope } from '../harness/envelope.js';

/** 2026-11-24T12:00:00.000Z */
const now = Date.UTC(2026, 10, 24, 12);

function validEvent(overrides: Partial<EventEnvelope> = {}): EventEnvelope {
  return sampleEnvelope(now, overrides);
}

describe('toEventRow', () => {
  const origin = { topic: 'evp.invoice', entityType: 'invoice', partition: 3, offset: '1234' };

  it('maps the envelope to a row', () => {
    const event = validEvent();
    expect(toEventRow(event, 7, origin)).toEqual({
      id: event.id,
      type: 'invoice.updated',
      entity_type: 'invoice',
      entity_id: 'inv_1',
      action: 'updated',
      organization_id: 'org_1',
      occurred_at: '2026-11-24T12:00:00.000123Z',
      source: 'api',
      severity: 'info',
      request_id: 'req_1',
      actor: 'usr_1',
      data: { id: 'inv_1', amount: 1200, status: 'open', note: null },
      previous_attributes: { amount: 1000 },
      schema_id: 7,
      topic: 'evp.invoice',
      kafka_partition: 3,
      kafka_offset: '1234',
    });
  });

  /** The row's value of one column as the log is written. */
  const column = (row: ReturnType<typeof toEventRow>, name: (typeof eventLogColumns)[number]) =>
    eventRowValues(row)[eventLogColumns.indexOf(name)];

  it('writes the row in the order of the log columns', () => {
    const row = toEventRow(validEvent(), 7, origin);
    expect(eventRowValues(row)).toEqual([
      row.id,
      'invoice.updated',
      'invoice',
      'inv_1',
      'updated',
      'org_1',
      '2026-11-24T12:00:00.000123Z',
      'api',
      'info',
      'req_1',
      'usr_1',
      '{"id":"inv_1","amount":1200,"status":"open","note":null}',
      '{"amount":1000}',
      7,
      'evp.invoice',
      3,
      '1234',
    ]);
  });

  it('writes occurred_at as RFC 3339 with microseconds', () => {
    const row = (micros: number) => column(toEventRow(validEvent({ occurred_at: micros }), 1, origin), 'occurred_at');
    expect(row(Date.UTC(2026, 0, 1) * 1000)).toBe('2026-01-01T00:00:00.000000Z');
    expect(row(Date.UTC(2026, 0, 1) * 1000 + 1)).toBe('2026-01-01T00:00:00.000001Z');
    expect(row(Date.UTC(2026, 0, 1, 23, 59, 59, 999) * 1000 + 999)).toBe('2026-01-01T23:59:59.999999Z');
  });

  it('keeps previous_attributes null, or only the fields that had a value', () => {
    const previous = (previous_attributes: Record<string, unknown> | null) =>
      column(toEventRow(validEvent({ previous_attributes }), 1, origin), 'previous_attributes');
    expect(previous(null)).toBeNull();
    expect(previous({ amount: null, status: null })).toBe('{}');
    expect(previous({ amount: 0, status: '' })).toBe('{"amount":0,"status":""}');
  });

  it('writes null request_id and actor as null', () => {
    const row = toEventRow(validEvent({ request_id: null, actor: null }), 1, origin);
    expect(column(row, 'request_id')).toBeNull();
    expect(column(row, 'actor')).toBeNull();
  });

  it('writes data as JSON that reads back the same, nested values included', () => {
    const data = { id: 'inv_1', lines: [{ sku: 'a', qty: 2 }], meta: { tags: ['x'], nothing: null }, text: 'tab\there "quoted"' };
    const row = toEventRow(validEvent({ data }), 1, origin);
    expect(JSON.parse(column(row, 'data') as string)).toEqual(data);
  });

  it("keeps the id, whose creation time picks the row's day partition", () => {
    const at = Date.UTC(2026, 10, 23, 23, 59, 59, 999);
    expect(eventIdTime(toEventRow(validEvent({ id: createEventId(at) }), 1, origin).id)).toBe(at);
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
