import { isDeepStrictEqual } from 'node:util';
import { describe, expect, it } from 'vitest';
import type { RegistryClient } from '../../../adapters/registry.js';
import { createEventEncoder } from '../../../producers/event-encoder.js';
import { demoDomains, demoEntities, demoOrganizations, planDemoEvents, type PlannedEvent } from '../../../producers/demo/index.js';
import { readCatalogue } from '../../../schemas/catalogue.js';
import { readEventSchemas } from '../../../schemas/event-schemas.js';

/** Each entity's lifecycle: which actions may come first, and which may follow which. */
const lifecycles: Record<string, { first: string[]; next: Record<string, string[]> }> = {
  customer: { first: ['created'], next: { created: ['updated'], updated: ['updated'] } },
  subscription: {
    first: ['created'],
    next: {
      created: ['trialing'],
      trialing: ['activated'],
      activated: ['updated', 'past_due', 'canceled'],
      updated: ['updated', 'past_due', 'canceled'],
      past_due: ['updated', 'canceled'],
      canceled: [],
    },
  },
  transaction: {
    first: ['created'],
    next: {
      created: ['billed'],
      billed: ['paid', 'payment_failed'],
      payment_failed: ['past_due'],
      past_due: ['paid', 'canceled'],
      paid: ['completed'],
      completed: [],
      canceled: [],
    },
  },
  invoice: {
    first: ['created'],
    next: { created: ['approved', 'sent'], approved: ['sent'], sent: ['paid', 'cancelled'], paid: [], cancelled: [] },
  },
  'crm.deal': {
    first: ['created'],
    next: { created: ['stage_updated'], stage_updated: ['stage_updated', 'updated'], updated: ['stage_updated', 'updated'] },
  },
  sim: {
    first: ['registered'],
    next: {
      registered: ['activated'],
      activated: ['assigned'],
      assigned: ['pdp_context_created'],
      pdp_context_created: ['pdp_context_deleted'],
      pdp_context_deleted: ['pdp_context_created', 'suspended', 'released'],
      suspended: ['released'],
      released: [],
    },
  },
  endpoint: {
    first: ['enabled'],
    next: {
      enabled: ['data_quota_assigned'],
      data_quota_assigned: ['data_quota_threshold_reached'],
      data_quota_threshold_reached: ['data_quota_exhausted'],
      data_quota_exhausted: ['blocked', 'data_quota_assigned'],
      blocked: [],
    },
  },
  product: { first: ['created'], next: { created: ['updated'], updated: ['updated'] } },
  price: { first: ['created'], next: { created: ['updated'], updated: ['updated'] } },
  'pim.sku': {
    first: ['created'],
    next: { created: ['updated', 'unchanged'], updated: ['updated', 'unchanged'], unchanged: ['updated', 'unchanged'] },
  },
};
const dealStages: Record<string, string[]> = {
  lead: ['qualified', 'lost'],
  qualified: ['proposal', 'lost'],
  proposal: ['negotiation', 'lost'],
  negotiation: ['won', 'lost'],
};

const catalogue = readCatalogue();
const encoder = createEventEncoder({
  catalogue,
  schemas: readEventSchemas(),
  // prepare() (envelope and validation) never reaches the registry.
  registry: {} as RegistryClient,
  topicPrefix: 'events',
  service: 'demo',
  autoRegister: false,
});
const start = Date.parse('2026-05-04T09:00:00Z');

function plan(count: number, seed: number, clock = steppingClock(50)): PlannedEvent[] {
  const events = planDemoEvents({ seed, organizations: demoOrganizations(3), clock });
  return Array.from({ length: count }, () => events.next().value);
}

/** A clock that moves `stepMs` per reading: events planned at 1000 / stepMs per second. */
function steppingClock(stepMs: number): () => number {
  let now = start;
  return () => (now += stepMs);
}

describe('demo planner', () => {
  const events = plan(5_000, 7);

  it('plans events that the publisher validates against their schemas', () => {
    const problems: string[] = [];
    for (const event of events) {
      try {
        const { event: envelope } = encoder.prepare(event.type, event);
        expect(envelope.entity_id).toBe(event.data['id']);
      } catch (error) {
        problems.push((error as Error).message);
      }
    }
    expect(problems.slice(0, 5)).toEqual([]);
  });

  it('plans each entity through its lifecycle in order, with increasing times', () => {
    const byEntity = new Map<string, PlannedEvent[]>();
    let previousTime = -Infinity;
    for (const event of events) {
      expect(event.occurred_at).toBeGreaterThan(previousTime);
      previousTime = event.occurred_at;
      byEntity.set(event.entity_id, [...(byEntity.get(event.entity_id) ?? []), event]);
    }
    expect(byEntity.size).toBeGreaterThan(500);
    for (const [entityId, history] of byEntity) {
      const entity = (catalogue[(history[0] as PlannedEvent).type] as { entity: string }).entity;
      const lifecycle = lifecycles[entity];
      expect(lifecycle, `a lifecycle for ${entity}`).toBeDefined();
      const actions = history.map((event) => event.type.slice(entity.length + 1));
      expect(lifecycle?.first, `${entityId}: ${actions.join(' → ')}`).toContain(actions[0]);
      for (let index = 1; index < history.length; index++) {
        const [before, after] = [history[index - 1] as PlannedEvent, history[index] as PlannedEvent];
        expect(lifecycle?.next[actions[index - 1] as string], `${entityId}: ${actions.join(' → ')}`).toContain(actions[index]);
        expect(after.occurred_at).toBeGreaterThan(before.occurred_at);
        expect(catalogue[after.type]?.entity).toBe(entity);
        expect(after.organization_id).toBe(before.organization_id);
        if (entity === 'crm.deal' && after.type === 'crm.deal.stage_updated') {
          expect(dealStages[before.data['stage'] as string]).toContain(after.data['stage']);
        }
      }
      for (const event of history) {
        expect(event.data['id']).toBe(entityId);
        if ('organization_id' in event.data) expect(event.data['organization_id']).toBe(event.organization_id);
      }
    }
  });

  it('sets previous_attributes to exactly the changed fields as they were', () => {
    const last = new Map<string, Readonly<Record<string, unknown>>>();
    let updates = 0;
    for (const event of events) {
      const before = last.get(event.entity_id);
      last.set(event.entity_id, event.data);
      if (before === undefined) {
        if (event.type.endsWith('.created') || event.type.endsWith('.registered')) expect(event.previous_attributes).toBeNull();
        continue;
      }
      updates++;
      const previous = event.previous_attributes ?? {};
      for (const [field, was] of Object.entries(before)) {
        const now = event.data[field];
        if (isDeepStrictEqual(was, now)) {
          expect(previous, `${event.type} ${field} did not change`).not.toHaveProperty(field);
        } else if (was !== null) {
          // Of a map (metadata, PIM attributes) only the keys it had and changed; an added key has no previous value.
          const expected =
            isMap(was) && isMap(now)
              ? Object.fromEntries(Object.entries(was).filter(([key, value]) => !isDeepStrictEqual(value, now[key])))
              : was;
          if (isMap(expected) && Object.keys(expected).length === 0) expect(previous).not.toHaveProperty(field);
          else expect(previous[field], `${event.type} previous ${field}`).toEqual(expected);
        }
      }
      for (const field of Object.keys(previous)) expect(before).toHaveProperty(field);
    }
    expect(updates).toBeGreaterThan(2_000);
    const stage = events.find((event) => event.type === 'crm.deal.stage_updated' && event.data['stage'] === 'qualified');
    expect(stage?.previous_attributes).toMatchObject({ stage: 'lead' });
  });

  it('mixes the four domains, every organization and all three severities', () => {
    const domains = new Map<string, number>();
    const organizations = new Set<string>();
    const severities = new Map<string, number>();
    for (const event of events) {
      domains.set(event.domain, (domains.get(event.domain) ?? 0) + 1);
      organizations.add(event.organization_id);
      const severity = event.severity ?? catalogue[event.type]?.severity;
      severities.set(severity as string, (severities.get(severity as string) ?? 0) + 1);
    }
    for (const domain of demoDomains) expect(domains.get(domain), domain).toBeGreaterThan(events.length * 0.05);
    expect([...organizations].sort()).toEqual(['org_acme', 'org_globex', 'org_initech']);
    expect(severities.get('info')).toBeGreaterThan(events.length / 2);
    expect(severities.get('warn')).toBeGreaterThan(0);
    expect(severities.get('critical')).toBeGreaterThan(0);
    const exhausted = events.filter((event) => event.type === 'endpoint.data_quota_exhausted');
    for (const event of exhausted) {
      const action = (event.data['metadata'] as Record<string, string>)['exhaustion_action'];
      expect(event.severity).toBe(action === 'block' ? 'critical' : 'warn');
    }
    expect(new Set(exhausted.map((event) => event.severity))).toEqual(new Set(['critical', 'warn']));
    const entities = new Set(events.map((event) => catalogue[event.type]?.entity));
    expect([...entities].sort()).toEqual([...demoEntities].sort());
  });

  it('covers each lifecycle type the demo promises', () => {
    const types = new Set(events.map((event) => event.type));
    for (const type of [
      'customer.created',
      'subscription.created',
      'subscription.trialing',
      'subscription.activated',
      'subscription.updated',
      'subscription.past_due',
      'subscription.canceled',
      'transaction.created',
      'transaction.billed',
      'transaction.paid',
      'transaction.payment_failed',
      'invoice.created',
      'invoice.sent',
      'invoice.paid',
      'invoice.cancelled',
      'crm.deal.created',
      'crm.deal.stage_updated',
      'sim.registered',
      'sim.assigned',
      'sim.released',
      'sim.suspended',
      'endpoint.enabled',
      'endpoint.data_quota_assigned',
      'endpoint.data_quota_threshold_reached',
      'endpoint.data_quota_exhausted',
      'endpoint.blocked',
      'product.created',
      'product.updated',
      'pim.sku.created',
      'pim.sku.updated',
    ]) {
      expect(types, type).toContain(type);
    }
  });

  it('plans the same events from the same seed and clock, and other ones from another seed', () => {
    const again = plan(300, 7);
    expect(again).toEqual(events.slice(0, 300));
    const other = plan(300, 8);
    expect(other.map((event) => event.type)).not.toEqual(again.map((event) => event.type));
  });

  it('makes new entity ids in a run that starts at another time, and never repeats one within a run', () => {
    const later = plan(
      300,
      7,
      (() => {
        let now = start + 3_600_000;
        return () => (now += 50);
      })(),
    );
    expect(later.map((event) => event.type)).toEqual(events.slice(0, 300).map((event) => event.type));
    const ids = new Set(events.map((event) => event.entity_id));
    for (const event of later) expect(ids).not.toContain(event.entity_id);
    const created = events.filter((event) => event.previous_attributes === null && /\.(created|registered)$/.test(event.type));
    expect(new Set(created.map((event) => event.entity_id)).size).toBe(created.length);
  });

  it('keeps times strictly increasing when the clock stands still', () => {
    const frozen = plan(1_000, 3, () => start);
    frozen.forEach((event, index) => expect(event.occurred_at).toBe(start + index));
  });
});

function isMap(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
