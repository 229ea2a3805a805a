import { describe, expect, it } from 'vitest';
import { checkContentFilter } from '../../core/content-filter-check.js';
import { contentFilterMatches, filterLimits, parseContentFilter, storedContentFilter, type FilterNode } from '../../core/content-filter.js';
import { eventFieldsOf, subscribedFieldsOf } from '../../core/event-fields.js';
import { readCatalogue } from '../../schemas/catalogue.js';
import { readEventSchemas } from '../../schemas/event-schemas.js';

const schemas = readEventSchemas();
const catalogue = readCatalogue();
const subscribed = (...types: string[]) =>
  subscribedFieldsOf(types, (type) => {
    const schema = schemas.get(catalogue[type]?.entity ?? '');
    return schema === undefined ? undefined : eventFieldsOf(schema);
  });

function parsed(input: unknown): FilterNode {
  const result = parseContentFilter(input);
  if ('problem' in result) throw new Error(`${result.problem.field}: ${result.problem.message}`);
  return result.filter;
}

const invoice = {
  id: 'evt_1',
  type: 'invoice.paid',
  severity: 'info',
  request_id: null,
  data: { status: 'paid', total_amount: 1200, customer_id: null, currency: 'EUR', customer: { country: 'FR' }, lines: [{ sku: 'a' }] },
};
const matches = (filter: unknown, event: unknown = invoice) => contentFilterMatches(parsed(filter), event);

describe('content filter evaluation', () => {
  it('compares a path with a literal for equality, and $eq and $ne likewise', () => {
    expect(matches({ 'data.status': 'paid' })).toBe(true);
    expect(matches({ 'data.status': 'open' })).toBe(false);
    expect(matches({ 'data.status': { $eq: 'paid' } })).toBe(true);
    expect(matches({ 'data.status': { $ne: 'paid' } })).toBe(false);
    expect(matches({ 'data.total_amount': 1200 })).toBe(true);
    expect(matches({ 'data.total_amount': '1200' })).toBe(false);
  });

  it('tests membership with $in and $nin', () => {
    expect(matches({ 'data.currency': { $in: ['USD', 'EUR'] } })).toBe(true);
    expect(matches({ 'data.currency': { $in: ['USD'] } })).toBe(false);
    expect(matches({ 'data.currency': { $nin: ['USD'] } })).toBe(true);
    expect(matches({ 'data.currency': { $nin: ['EUR', 'USD'] } })).toBe(false);
  });

  it('orders numbers with numbers and strings with strings, never across kinds', () => {
    expect(matches({ 'data.total_amount': { $gt: 1000 } })).toBe(true);
    expect(matches({ 'data.total_amount': { $gte: 1200, $lte: 1200 } })).toBe(true);
    expect(matches({ 'data.total_amount': { $lt: 1200 } })).toBe(false);
    expect(matches({ 'data.total_amount': { $gt: '1000' } })).toBe(false);
    expect(matches({ 'data.currency': { $gte: 'EUR', $lt: 'F' } })).toBe(true);
    expect(matches({ 'data.currency': { $gt: 5 } })).toBe(false);
  });

  it('nests paths and combines with $and, $or and $not; keys of one object are ANDed', () => {
    expect(matches({ 'data.customer.country': 'FR' })).toBe(true);
    expect(matches({ $or: [{ 'data.customer.country': 'DE' }, { severity: 'info' }] })).toBe(true);
    expect(matches({ $and: [{ 'data.status': 'paid' }, { 'data.total_amount': { $gt: 5000 } }] })).toBe(false);
    expect(matches({ $not: { 'data.status': 'paid' } })).toBe(false);
    expect(matches({ 'data.status': 'paid', type: 'invoice.created' })).toBe(false);
    expect(matches({ $not: { $not: { $or: [{ type: 'x' }, { type: 'invoice.paid' }] } } })).toBe(true);
  });

  it('treats a missing path as absent: only $ne, $nin and $exists false pass it; lists are not entered', () => {
    expect(matches({ 'data.nothing': { $exists: false } })).toBe(true);
    expect(matches({ 'data.status': { $exists: true } })).toBe(true);
    expect(matches({ 'data.nothing': 'x' })).toBe(false);
    expect(matches({ 'data.nothing': { $gt: 0 } })).toBe(false);
    expect(matches({ 'data.nothing': { $ne: 'x' } })).toBe(true);
    expect(matches({ 'data.nothing': { $nin: ['x'] } })).toBe(true);
    expect(matches({ 'data.status.deeper': { $exists: true } })).toBe(false);
    expect(matches({ 'data.lines.sku': { $exists: true } })).toBe(false);
    expect(matches({ 'data.status': 'paid' }, null)).toBe(false);
  });

  it('tells null from missing: null equals null, and exists', () => {
    expect(matches({ 'data.customer_id': null })).toBe(true);
    expect(matches({ request_id: { $eq: null } })).toBe(true);
    expect(matches({ 'data.customer_id': { $exists: true } })).toBe(true);
    expect(matches({ 'data.nothing': null })).toBe(false);
    expect(matches({ 'data.customer_id': { $gt: 0 } })).toBe(false);
  });

  it('splits every event in two with a filter and its $not', () => {
    const high = parsed({ 'data.total_amount': { $gte: 1000 } });
    const low = parsed({ $not: { 'data.total_amount': { $gte: 1000 } } });
    for (const total of [0, 999, 1000, 5000, null, 'x']) {
      const event = { data: { total_amount: total } };
      expect(Number(contentFilterMatches(high, event)) + Number(contentFilterMatches(low, event))).toBe(1);
    }
  });
});

describe('content filter parsing', () => {
  const problem = (input: unknown) => {
    const result = parseContentFilter(input);
    return 'problem' in result ? result.problem : undefined;
  };

  it('names the test at fault in the request', () => {
    expect(problem({ 'data.status': { $regex: 'p' } })).toMatchObject({ field: 'filter.data.status.$regex' });
    expect(problem({ $or: [{ type: 'a' }, { 'data.x': { $gt: true } }] })).toMatchObject({
      field: 'filter.$or.1.data.x.$gt',
      message: '$gt compares with a number or a string',
    });
    expect(problem({ 'data.x': { $in: ['a', { b: 1 }] } })).toMatchObject({ field: 'filter.data.x.$in.1' });
    expect(problem({ 'data..x': 1 })).toMatchObject({ field: 'filter.data..x' });
    expect(problem({ $where: 'x' })).toMatchObject({ field: 'filter.$where' });
  });

  it('refuses what is not a filter: empty objects and lists, objects and lists as values, non-finite numbers', () => {
    expect(problem({})).toMatchObject({ field: 'filter' });
    expect(problem([])).toMatchObject({ field: 'filter' });
    expect(problem('x')).toMatchObject({ field: 'filter' });
    expect(problem({ $and: [] })).toMatchObject({ field: 'filter.$and' });
    expect(problem({ $and: [{}] })).toMatchObject({ field: 'filter.$and.0' });
    expect(problem({ 'data.x': {} })).toMatchObject({ field: 'filter.data.x' });
    expect(problem({ 'data.x': [1] })).toMatchObject({ field: 'filter.data.x' });
    expect(problem({ 'data.x': { $in: [] } })).toMatchObject({ field: 'filter.data.x.$in' });
    expect(problem({ 'data.x': { $exists: 1 } })).toMatchObject({ field: 'filter.data.x.$exists' });
    expect(problem({ 'data.x': Infinity })).toMatchObject({ field: 'filter.data.x' });
  });

  it('refuses a filter past its limits without walking it: depth, conditions, list length, text', () => {
    let deep: unknown = { type: 'x' };
    for (let i = 0; i < 100_000; i++) deep = { $not: deep };
    expect(problem(deep)?.message).toContain(`at most ${filterLimits.depth} deep`);
    let nested: unknown = { type: 'x' };
    for (let i = 0; i < filterLimits.depth; i++) nested = { $not: nested };
    expect(problem(nested)).toBeUndefined();
    const wide = Object.fromEntries(Array.from({ length: 1000 }, (_, i) => [`data.f${i}`, i]));
    expect(problem(wide)?.message).toContain(`at most ${filterLimits.nodes} conditions`);
    expect(problem({ $or: Array.from({ length: 100_000 }, () => ({ type: 'x' })) })?.message).toContain('at most');
    expect(problem({ type: { $in: Array.from({ length: 101 }, (_, i) => i) } })?.field).toBe('filter.type.$in');
    expect(problem({ type: 'x'.repeat(501) })?.field).toBe('filter.type');
    expect(problem({ [Array.from({ length: 11 }, () => 'a').join('.')]: 1 })?.message).toContain('at most 10 names');
  });

  it('reads a stored filter again, and lets every event through when it no longer parses', () => {
    expect(storedContentFilter(null)).toBeNull();
    expect(storedContentFilter({ type: 'x' })).toEqual({
      kind: 'field',
      path: 'type',
      test: { op: '$eq', value: 'x' },
      param: 'filter.type',
    });
    expect(storedContentFilter({ type: { $regex: 'x' } })).toBeNull();
  });
});

describe('content filter check against the subscribed types', () => {
  const check = (filter: unknown, ...types: string[]) => checkContentFilter(parsed(filter), subscribed(...types));

  it('accepts tests some subscribed type can pass', () => {
    expect(check({ 'data.status': 'paid', 'data.total_amount': { $gte: 1000 } }, 'invoice.paid')).toEqual([]);
    expect(check({ 'data.customer_id': null, 'data.metadata.region': { $in: ['eu'] } }, 'invoice.paid')).toEqual([]);
    expect(check({ 'data.marketing_consent': true }, 'invoice.paid', 'customer.created')).toEqual([]);
    expect(check({ 'data.total_amount': { $exists: false } }, 'invoice.paid', 'customer.created')).toEqual([]);
    expect(check({ created_at: { $gte: '2026-01-01' } }, 'invoice.paid')).toEqual([]);
  });

  it('refuses a path no subscribed type has', () => {
    expect(check({ 'data.nothing': 1 }, 'invoice.paid')).toEqual([
      { field: 'filter.data.nothing', message: 'data.nothing is a field that no subscribed event type (invoice.paid) has' },
    ]);
    expect(check({ $not: { 'data.marketing_consent': { $exists: true } } }, 'invoice.paid')).toMatchObject([
      { field: 'filter.$not.data.marketing_consent.$exists' },
    ]);
  });

  it('refuses a test that can never match the field: order on a boolean, text against a number, null against a required field', () => {
    expect(check({ 'data.marketing_consent': { $gt: 1 } }, 'customer.created')).toEqual([
      {
        field: 'filter.data.marketing_consent.$gt',
        message: 'data.marketing_consent holds boolean, never a number (1); this test can never match',
      },
    ]);
    expect(check({ 'data.total_amount': { $gt: '1000' } }, 'invoice.paid')).toMatchObject([{ field: 'filter.data.total_amount.$gt' }]);
    expect(check({ 'data.total_amount': 'x' }, 'invoice.paid')).toMatchObject([{ field: 'filter.data.total_amount' }]);
    expect(check({ 'data.total_amount': null }, 'invoice.paid')).toMatchObject([{ field: 'filter.data.total_amount' }]);
    expect(check({ 'data.status': { $nin: ['paid', 3] } }, 'invoice.paid')).toMatchObject([{ field: 'filter.data.status.$nin' }]);
    expect(check({ data: 'x' }, 'invoice.paid')).toMatchObject([{ field: 'filter.data' }]);
  });
});
