import { describe, expect, it } from 'vitest';
import { subscriptionMatches, type MatchableEvent, type Subscription } from '../../core/destination-match.js';
import { storedContentFilter } from '../../core/content-filter.js';

const subscription: Subscription = {
  organizationId: 'org_a',
  eventTypes: ['invoice.*', 'customer.created'],
  severities: null,
  entityTypes: null,
  createdAt: 1_000,
};
const event: MatchableEvent = { organizationId: 'org_a', type: 'invoice.paid', severity: 'info', entityType: 'invoice', madeAt: 2_000 };

describe('subscriptionMatches', () => {
  it('matches a subscribed type of the same organization made after the destination', () => {
    expect(subscriptionMatches(subscription, event)).toBe(true);
    expect(subscriptionMatches(subscription, { ...event, type: 'customer.created', entityType: 'customer' })).toBe(true);
  });

  it('refuses another organization, another type, or an event made before the destination', () => {
    expect(subscriptionMatches(subscription, { ...event, organizationId: 'org_b' })).toBe(false);
    expect(subscriptionMatches(subscription, { ...event, type: 'customer.updated', entityType: 'customer' })).toBe(false);
    expect(subscriptionMatches(subscription, { ...event, madeAt: 999 })).toBe(false);
  });

  it('applies the severity and entity type filters when set', () => {
    expect(subscriptionMatches({ ...subscription, severities: ['warn', 'critical'] }, event)).toBe(false);
    expect(subscriptionMatches({ ...subscription, severities: ['info'] }, event)).toBe(true);
    expect(subscriptionMatches({ ...subscription, entityTypes: ['customer'] }, event)).toBe(false);
    expect(subscriptionMatches({ ...subscription, eventTypes: ['*'], entityTypes: ['invoice'] }, event)).toBe(true);
  });
});

describe('subscriptionMatches with a content filter', () => {
  const filter = storedContentFilter({ 'data.total_amount': { $gte: 1000 } });
  const withTotal = (total: number) => ({ ...event, object: () => ({ data: { total_amount: total } }) });

  it('records only the events that pass the filter, reading the event object only then', () => {
    expect(subscriptionMatches({ ...subscription, filter }, withTotal(1000))).toBe(true);
    expect(subscriptionMatches({ ...subscription, filter }, withTotal(999))).toBe(false);
    let read = 0;
    const counted = { ...event, type: 'other.type', object: () => ++read };
    expect(subscriptionMatches({ ...subscription, filter }, counted)).toBe(false);
    expect(read).toBe(0);
    expect(subscriptionMatches({ ...subscription, filter: null }, withTotal(1))).toBe(true);
  });
});
