import { describe, expect, it } from 'vitest';
import { isValidPattern, matchesAny, matchesEventType } from '../../core/event-types.js';

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
