import { describe, expect, it } from 'vitest';
import { avroTypeLabel } from '../../console/src/avro-label';
import { diffAttributes, formatAge, formatValue } from '../../console/src/format';
import { href, parseHash } from '../../console/src/router';

describe('console diffAttributes', () => {
  it('pairs each previous attribute with its current value, sorted by name', () => {
    const changes = diffAttributes({ status: 'open', amount: 100 }, { id: 'inv_1', status: 'paid', amount: 120 });
    expect(changes).toEqual([
      { attribute: 'amount', previous: 100, current: 120, kind: 'changed' },
      { attribute: 'status', previous: 'open', current: 'paid', kind: 'changed' },
    ]);
  });

  it('marks attributes that were empty before as added and ones missing now as removed', () => {
    expect(diffAttributes({ email: null, phone: '+1' }, { email: 'a@example.com' })).toEqual([
      { attribute: 'email', previous: null, current: 'a@example.com', kind: 'added' },
      { attribute: 'phone', previous: '+1', current: undefined, kind: 'removed' },
    ]);
  });

  it('reports nothing for an event without previous attributes', () => {
    expect(diffAttributes(null, { id: 'x' })).toEqual([]);
  });
});

describe('console formatting', () => {
  it('formats values and ages for people', () => {
    expect(formatValue('paid')).toBe('paid');
    expect(formatValue({ a: 1 })).toBe('{"a":1}');
    expect(formatValue(undefined)).toBe('(absent)');
    const now = Date.parse('2026-12-01T12:00:00Z');
    expect(formatAge('2026-12-01T11:59:30Z', now)).toBe('30 s ago');
    expect(formatAge('2026-12-01T11:00:00Z', now)).toBe('1 h ago');
    expect(formatAge(null, now)).toBe('—');
  });

  it('labels Avro types, unions and logical types', () => {
    expect(avroTypeLabel(['null', 'string'])).toBe('null | string');
    expect(avroTypeLabel({ type: 'long', logicalType: 'timestamp-micros' })).toBe('long (timestamp-micros)');
    expect(avroTypeLabel({ type: 'array', items: 'string' })).toBe('array<string>');
    expect(avroTypeLabel({ type: 'enum', name: 'Severity', symbols: ['info', 'warn'] })).toBe('enum Severity {info, warn}');
  });
});

describe('console routes', () => {
  it('round-trips segments and query through the hash, encoding what needs it', () => {
    const link = href(['entities', 'crm.deal', 'deal/1 a'], { q: 'x y', empty: '', missing: undefined });
    expect(link).toBe('#/entities/crm.deal/deal%2F1%20a?q=x+y');
    const route = parseHash(link);
    expect(route.segments).toEqual(['entities', 'crm.deal', 'deal/1 a']);
    expect(route.query.get('q')).toBe('x y');
    expect(route.query.has('empty')).toBe(false);
  });

  it('reads an empty or malformed hash without throwing', () => {
    expect(parseHash('').segments).toEqual([]);
    expect(parseHash('#/events/%E0%A4%A').segments).toEqual(['events', '%E0%A4%A']);
  });
});
