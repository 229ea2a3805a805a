import { describe, expect, it } from 'vitest';
import { ApiError } from '../../api/errors.js';
import { parseCreatedRange, parseEventFilter, type FilterCatalogue, type IdRange } from '../../api/event-filter.js';
import type { ListEventsQuery } from '../../api/schemas.js';
import { createEventId, eventIdFloor } from '../../core/ids.js';

const catalogue: FilterCatalogue = {
  types: ['customer.created', 'invoice.created', 'invoice.paid', 'crm.deal.created', 'crm.deal.stage_updated', 'sim.activated'],
  entities: new Set(['customer', 'invoice', 'crm.deal', 'sim']),
};

/** The ApiError `run` throws. */
function apiErrorOf(run: () => unknown): ApiError {
  try {
    run();
  } catch (error) {
    if (error instanceof ApiError) return error as ApiError;
    throw error;
  }
  throw new Error('expected an ApiError, nothing was thrown');
}

describe('parseEventFilter', () => {
  it('returns an empty filter when no filter is given', () => {
    expect(parseEventFilter({}, catalogue)).toEqual({});
  });

  it('reads comma lists and repeated values alike, trimmed, empty items dropped', () => {
    const filter = parseEventFilter(
      { severity: ['info, warn', ' critical ', ''], source: ['api,,system', 'network'], type: ['invoice.paid, sim.activated'] },
      catalogue,
    );
    expect(filter.severities).toEqual(['info', 'warn', 'critical']);
    expect(filter.sources).toEqual(['api', 'system', 'network']);
    expect(filter.types).toEqual(['invoice.paid', 'sim.activated']);
  });

  it('leaves a list unset when nothing is left of it after trimming', () => {
    expect(parseEventFilter({ severity: [' , ', ''], source: [','], type: [' '] }, catalogue)).toEqual({});
  });

  it('expands type patterns against the catalogue, in catalogue order', () => {
    expect(parseEventFilter({ type: ['sim.activated', 'crm.*', 'customer.created'] }, catalogue).types).toEqual([
      'customer.created',
      'crm.deal.created',
      'crm.deal.stage_updated',
      'sim.activated',
    ]);
    expect(parseEventFilter({ type: ['*'] }, catalogue).types).toEqual(catalogue.types);
  });

  it('refuses a type that selects nothing, naming the type parameter and the pattern', () => {
    for (const type of [['invoice.refunded'], ['invoice.paid,order.*'], ['invoice.paid', 'Invoice.*']]) {
      const error = apiErrorOf(() => parseEventFilter({ type }, catalogue));
      expect(error.statusCode).toBe(400);
      expect(error.toJSON()).toEqual({
        error: { type: 'invalid_request_error', code: 'event_type_unknown', param: 'type', message: expect.any(String) },
      });
    }
    expect(apiErrorOf(() => parseEventFilter({ type: ['invoice.paid,order.*'] }, catalogue)).message).toContain('"order.*"');
  });

  it('checks entity_type against the catalogue entities, dotted ones too', () => {
    expect(parseEventFilter({ entity_type: 'crm.deal' }, catalogue)).toEqual({ entityType: 'crm.deal' });
    const error = apiErrorOf(() => parseEventFilter({ entity_type: 'crm' }, catalogue));
    expect(error.statusCode).toBe(400);
    expect(error.param).toBe('entity_type');
    expect(error.code).toBe('entity_type_unknown');
    expect(error.message).toContain('"crm"');
  });

  it('passes entity_id and request_id through as given', () => {
    expect(parseEventFilter({ entity_id: ' INV-42 ', request_id: 'req_7F3a' }, catalogue)).toEqual({
      entityId: ' INV-42 ',
      requestId: 'req_7F3a',
    });
  });

  it('refuses a severity or source outside the enum, naming the parameter and the value', () => {
    const severity = apiErrorOf(() => parseEventFilter({ severity: ['info,fatal'] }, catalogue));
    expect([severity.statusCode, severity.param, severity.code]).toEqual([400, 'severity', 'parameter_invalid']);
    expect(severity.message).toContain('"fatal"');
    expect(severity.message).toContain('info, warn, critical');

    const source = apiErrorOf(() => parseEventFilter({ source: ['api', 'API'] }, catalogue));
    expect([source.statusCode, source.param, source.code]).toEqual([400, 'source', 'parameter_invalid']);
    expect(source.message).toContain('"API"');
  });

  it('lowercases q', () => {
    expect(parseEventFilter({ q: 'Ada@Example.COM' }, catalogue)).toEqual({ q: 'ada@example.com' });
    expect(parseEventFilter({ q: 'ZOË' }, catalogue)).toEqual({ q: 'zoë' });
  });

  it('refuses control characters in q, naming q', () => {
    for (const q of ['ada\u0001lovelace', 'line\nbreak', 'tab\there', '\u0000', 'esc\u001b[0m', 'unit\u001fseparator']) {
      const error = apiErrorOf(() => parseEventFilter({ q }, catalogue));
      expect([error.statusCode, error.param, error.code], JSON.stringify(q)).toEqual([400, 'q', 'parameter_invalid']);
    }
  });

  it('combines every filter', () => {
    const query: ListEventsQuery = {
      type: ['invoice.*'],
      entity_type: 'invoice',
      entity_id: 'INV-42',
      severity: ['warn'],
      source: ['api'],
      request_id: 'req_1',
      q: 'F-1001',
    };
    expect(parseEventFilter(query, catalogue)).toEqual({
      types: ['invoice.created', 'invoice.paid'],
      entityType: 'invoice',
      entityId: 'INV-42',
      severities: ['warn'],
      sources: ['api'],
      requestId: 'req_1',
      q: 'f-1001',
    });
  });
});

describe('parseCreatedRange', () => {
  /** 2026-11-24T10:30:00.000Z */
  const t = Date.UTC(2026, 10, 24, 10, 30, 0, 0);

  /** Whether an event made at `ms` falls in the range, as the SQL reads it (id >= from, id < to). */
  function selects(range: IdRange, ms: number): boolean {
    const id = createEventId(ms);
    return (range.from === undefined || id >= range.from) && (range.to === undefined || id < range.to);
  }

  it('returns an open range when no bound is given', () => {
    expect(parseCreatedRange({})).toEqual({});
  });

  it('turns created[gte] into a lower bound that keeps that millisecond', () => {
    const range = parseCreatedRange({ 'created[gte]': '2026-11-24T10:30:00Z' });
    expect(range).toEqual({ from: eventIdFloor(t) });
    expect(selects(range, t)).toBe(true);
    expect(selects(range, t - 1)).toBe(false);
  });

  it('turns created[gt] into a lower bound that drops that millisecond', () => {
    const range = parseCreatedRange({ 'created[gt]': '2026-11-24T10:30:00Z' });
    expect(range).toEqual({ from: eventIdFloor(t + 1) });
    expect(selects(range, t + 1)).toBe(true);
    expect(selects(range, t)).toBe(false);
  });

  it('turns created[lte] into an upper bound that keeps that millisecond', () => {
    const range = parseCreatedRange({ 'created[lte]': '2026-11-24T10:30:00Z' });
    expect(range).toEqual({ to: eventIdFloor(t + 1) });
    expect(selects(range, t)).toBe(true);
    expect(selects(range, t + 1)).toBe(false);
  });

  it('turns created[lt] into an upper bound that drops that millisecond', () => {
    const range = parseCreatedRange({ 'created[lt]': '2026-11-24T10:30:00Z' });
    expect(range).toEqual({ to: eventIdFloor(t) });
    expect(selects(range, t - 1)).toBe(true);
    expect(selects(range, t)).toBe(false);
  });

  it('reads whole milliseconds exactly', () => {
    expect(parseCreatedRange({ 'created[gte]': '2026-11-24T10:30:00.123Z' })).toEqual({ from: eventIdFloor(t + 123) });
    expect(parseCreatedRange({ 'created[gte]': '2026-11-24T10:30:00.5Z' })).toEqual({ from: eventIdFloor(t + 500) });
    expect(parseCreatedRange({ 'created[lt]': '2026-11-24T10:30:00.007000Z' })).toEqual({ to: eventIdFloor(t + 7) });
  });

  it('rounds a fraction of a millisecond the way that keeps the meaning of each bound', () => {
    const between = '2026-11-24T10:30:00.0005Z';
    // Made at …00.000: before the bound. Made at …00.001: after it.
    const gt = parseCreatedRange({ 'created[gt]': between });
    expect([selects(gt, t), selects(gt, t + 1)]).toEqual([false, true]);
    const gte = parseCreatedRange({ 'created[gte]': between });
    expect([selects(gte, t), selects(gte, t + 1)]).toEqual([false, true]);
    const lt = parseCreatedRange({ 'created[lt]': between });
    expect([selects(lt, t), selects(lt, t + 1)]).toEqual([true, false]);
    const lte = parseCreatedRange({ 'created[lte]': between });
    expect([selects(lte, t), selects(lte, t + 1)]).toEqual([true, false]);
    expect(gt).toEqual({ from: eventIdFloor(t + 1) });
    expect(lte).toEqual({ to: eventIdFloor(t + 1) });
  });

  it('rounds microsecond fractions the way that keeps the meaning of each bound', () => {
    expect(parseCreatedRange({ 'created[gte]': '2026-11-24T10:30:00.000001Z' })).toEqual({ from: eventIdFloor(t + 1) });
    expect(parseCreatedRange({ 'created[gt]': '2026-11-24T10:30:00.999999Z' })).toEqual({ from: eventIdFloor(t + 1000) });
    expect(parseCreatedRange({ 'created[lte]': '2026-11-24T10:30:00.999999Z' })).toEqual({ to: eventIdFloor(t + 1000) });
    expect(parseCreatedRange({ 'created[lt]': '2026-11-24T10:30:00.000001Z' })).toEqual({ to: eventIdFloor(t + 1) });
  });

  // Nanosecond fractions: digits past the seventh must count too (a float sum would lose them).
  const nanosecondCases = [
    { param: 'created[gte]', text: '2026-11-24T10:30:00.000000001Z', expected: { from: eventIdFloor(t + 1) } },
    { param: 'created[gt]', text: '2026-11-24T10:30:00.999999999Z', expected: { from: eventIdFloor(t + 1000) } },
    { param: 'created[lte]', text: '2026-11-24T10:30:00.999999999Z', expected: { to: eventIdFloor(t + 1000) } },
    { param: 'created[lt]', text: '2026-11-24T10:30:00.000000001Z', expected: { to: eventIdFloor(t + 1) } },
  ] as const;
  for (const { param, text, expected } of nanosecondCases) {
    it(`rounds ${param}=${text} (nanoseconds) the way that keeps its meaning`, () => {
      expect(parseCreatedRange({ [param]: text })).toEqual(expected);
    });
  }

  it('applies the offset of a time', () => {
    expect(parseCreatedRange({ 'created[gte]': '2026-11-24T12:30:00+02:00' })).toEqual({ from: eventIdFloor(t) });
    expect(parseCreatedRange({ 'created[gte]': '2026-11-24T05:00:00-05:30' })).toEqual({ from: eventIdFloor(t) });
    expect(parseCreatedRange({ 'created[lt]': '2026-11-24T12:30:00.250+02:00' })).toEqual({ to: eventIdFloor(t + 250) });
    expect(parseCreatedRange({ 'created[gte]': '2026-11-24T10:30:00+00:00' })).toEqual({ from: eventIdFloor(t) });
    expect(parseCreatedRange({ 'created[gte]': '2026-11-24t10:30:00z' })).toEqual({ from: eventIdFloor(t) });
  });

  it('accepts 29 February in a leap year', () => {
    expect(parseCreatedRange({ 'created[gte]': '2028-02-29T00:00:00Z' })).toEqual({ from: eventIdFloor(Date.UTC(2028, 1, 29)) });
  });

  it('refuses dates that are not on the calendar, naming the parameter', () => {
    const cases = [
      ['created[gte]', '2026-02-31T00:00:00Z'],
      ['created[gt]', '2026-02-29T00:00:00Z'],
      ['created[lte]', '2026-04-31T10:00:00+02:00'],
      ['created[lt]', '2026-13-01T00:00:00Z'],
      ['created[lt]', '2026-00-10T00:00:00Z'],
    ] as const;
    for (const [param, text] of cases) {
      const error = apiErrorOf(() => parseCreatedRange({ [param]: text }));
      expect([error.statusCode, error.param, error.code], text).toEqual([400, param, 'parameter_invalid']);
      expect(error.message).toContain(JSON.stringify(text));
    }
  });

  it('refuses what is not an RFC 3339 time, naming the parameter', () => {
    for (const text of ['yesterday', '2026-11-24', '2026-11-24T10:30:00', '2026-11-24T25:00:00Z', '1732444200']) {
      const error = apiErrorOf(() => parseCreatedRange({ 'created[gt]': text }));
      expect([error.statusCode, error.param], text).toEqual([400, 'created[gt]']);
    }
  });

  it('takes the tightest of combined bounds', () => {
    expect(parseCreatedRange({ 'created[gte]': '2026-11-24T10:30:00.005Z', 'created[gt]': '2026-11-24T10:30:00Z' })).toEqual({
      from: eventIdFloor(t + 5),
    });
    expect(parseCreatedRange({ 'created[gte]': '2026-11-24T10:30:00Z', 'created[gt]': '2026-11-24T10:30:00.005Z' })).toEqual({
      from: eventIdFloor(t + 6),
    });
    expect(parseCreatedRange({ 'created[lte]': '2026-11-24T10:30:00.010Z', 'created[lt]': '2026-11-24T10:30:00.005Z' })).toEqual({
      to: eventIdFloor(t + 5),
    });
    expect(parseCreatedRange({ 'created[lte]': '2026-11-24T10:30:00.002Z', 'created[lt]': '2026-11-24T10:30:00.010Z' })).toEqual({
      to: eventIdFloor(t + 3),
    });
  });

  it('bounds both ends when given both', () => {
    const range = parseCreatedRange({ 'created[gte]': '2026-11-24T10:30:00Z', 'created[lt]': '2026-11-24T10:31:00Z' });
    expect(range).toEqual({ from: eventIdFloor(t), to: eventIdFloor(t + 60_000) });
    expect([selects(range, t - 1), selects(range, t), selects(range, t + 59_999), selects(range, t + 60_000)]).toEqual([
      false,
      true,
      true,
      false,
    ]);
  });
});
