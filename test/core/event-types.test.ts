import { describe, expect, it } from 'vitest';
import { expandPatterns, isValidPattern, matchesAny, matchesEventType } from '../../core/event-types.js';

describe('matchesEventType', () => {
  it('matches exact types, prefixes and the wildcard', () => {
    expect(matchesEventType('invoice.paid', 'invoice.paid')).toBe(true);
    expect(matchesEventType('invoice.paid', 'invoice.sent')).toBe(false);
    expect(matchesEventType('invoice.*', 'invoice.sent')).toBe(true);
    expect(matchesEventType('crm.*', 'crm.deal.stage_updated')).toBe(true);
    expect(matchesEventType('crm.deal.*', 'crm.dealer.created')).toBe(false);
    expect(matchesEventType('*', 'sim.location_updated')).toBe(true);
    expect(matchesAny(['invoice.*', 'customer.created'], 'customer.created')).toBe(true);
    expect(matchesAny([], 'customer.created')).toBe(false);
  });

  it('accepts only well-formed patterns', () => {
    for (const ok of ['*', 'invoice.paid', 'crm.deal.*', 'crm.*']) expect(isValidPattern(ok)).toBe(true);
    for (const bad of ['', 'invoice.', '*.paid', 'Invoice.paid', 'crm..deal', 'invoice*']) expect(isValidPattern(bad)).toBe(false);
  });
});

describe('expandPatterns', () => {
  const catalogue = [
    'customer.created',
    'invoice.created',
    'invoice.paid',
    'crm.deal.created',
    'crm.deal.stage_updated',
    'crm.contact.created',
    'crm.dealer.created',
    'sim.activated',
  ];

  it('expands an exact type to itself', () => {
    expect(expandPatterns(['invoice.paid'], catalogue)).toEqual({ types: ['invoice.paid'] });
  });

  it('expands a prefix pattern to the types of that entity', () => {
    expect(expandPatterns(['invoice.*'], catalogue)).toEqual({ types: ['invoice.created', 'invoice.paid'] });
  });

  it('expands a prefix pattern to the entities with dots beneath it, word by word', () => {
    expect(expandPatterns(['crm.*'], catalogue)).toEqual({
      types: ['crm.deal.created', 'crm.deal.stage_updated', 'crm.contact.created', 'crm.dealer.created'],
    });
    expect(expandPatterns(['crm.deal.*'], catalogue)).toEqual({ types: ['crm.deal.created', 'crm.deal.stage_updated'] });
  });

  it('expands the wildcard to the whole catalogue', () => {
    expect(expandPatterns(['*'], catalogue)).toEqual({ types: catalogue });
  });

  it('names the first pattern that selects no type', () => {
    expect(expandPatterns(['invoice.paid', 'invoice.refunded', 'order.*'], catalogue)).toEqual({ unknown: 'invoice.refunded' });
    expect(expandPatterns(['order.*'], catalogue)).toEqual({ unknown: 'order.*' });
    expect(expandPatterns(['invoice'], catalogue)).toEqual({ unknown: 'invoice' });
    expect(expandPatterns(['*'], [])).toEqual({ unknown: '*' });
  });

  it('names a malformed pattern as unknown', () => {
    for (const bad of ['Invoice.paid', 'invoice*', 'invoice.', '*.paid', 'crm..deal.created', ' invoice.paid', '']) {
      expect(expandPatterns(['invoice.paid', bad], catalogue), JSON.stringify(bad)).toEqual({ unknown: bad });
    }
  });

  it('returns the types in catalogue order, each once, whatever the order of the patterns', () => {
    expect(expandPatterns(['sim.activated', 'invoice.*', 'customer.created', 'invoice.paid'], catalogue)).toEqual({
      types: ['customer.created', 'invoice.created', 'invoice.paid', 'sim.activated'],
    });
  });
});
