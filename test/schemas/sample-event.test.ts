import avro from 'avsc';
import { Value } from 'typebox/value';
import { describe, expect, it } from 'vitest';
import { buildEventSchema } from '../../core/event-schema.js';
import { eventIdTime, isEventId } from '../../core/ids.js';
import { Event } from '../../api/schemas.js';
import { readCatalogue, readEntitySchemas } from '../../schemas/catalogue.js';
import { sampleEvent } from '../../schemas/sample-event.js';

const catalogue = readCatalogue();
const entities = readEntitySchemas();
const now = new Date('2026-11-24T10:30:00.123Z');

describe('sampleEvent', () => {
  it('makes, for every catalogue type, an Event the API could serve with data valid for its schema', () => {
    const eventKeys = Object.keys(Event.properties).sort();
    for (const [type, entry] of Object.entries(catalogue)) {
      const event = sampleEvent(type, 'org_sample', now);
      expect(Value.Check(Event, event), `${type}: ${JSON.stringify([...Value.Errors(Event, event)])}`).toBe(true);
      expect(Object.keys(event).sort(), type).toEqual(eventKeys);
      expect(event, type).toMatchObject({
        object: 'event',
        type,
        organization_id: 'org_sample',
        entity_type: entry.entity,
        entity_id: `sample_${entry.entity.replaceAll('.', '_')}`,
        action: type.slice(entry.entity.length + 1),
        severity: entry.severity,
        source: entry.source,
        request_id: null,
        actor: null,
        occurred_at: '2026-11-24T10:30:00.123000Z',
        created_at: '2026-11-24T10:30:00.123Z',
      });
      expect(`${event['entity_type'] as string}.${event['action'] as string}`).toBe(type);

      const record = entities[entry.entity];
      if (record === undefined) throw new Error(`no schema for ${entry.entity}`);
      const dataType = avro.Type.forSchema(record as avro.Schema);
      const data = event['data'] as Record<string, unknown>;
      expect(dataType.isValid(data), type).toBe(true);
      expect(dataType.fromBuffer(dataType.toBuffer(data)), type).toEqual(data);
      expect(data['id'], type).toBe(event['entity_id']);

      const previous = event['previous_attributes'] as Record<string, unknown> | null;
      if (previous !== null) {
        // The event schema's previous_attributes: every field nullable; the API serves only the changed ones.
        const eventType = avro.Type.forSchema(buildEventSchema(entry.entity, record) as avro.Schema) as avro.types.RecordType;
        const previousType = eventType.fields.find((field) => field.name === 'previous_attributes')?.type;
        const full = Object.fromEntries(record.fields.map((field) => [field.name, previous[field.name] ?? null]));
        expect(previousType?.isValid(full), `${type} previous_attributes`).toBe(true);
        expect(
          Object.keys(previous).every((name) => data[name] !== previous[name]),
          type,
        ).toBe(true);
      }
    }
  });

  it('gives a fresh evt_ id each call, dated now, and otherwise the same event', () => {
    const first = sampleEvent('invoice.paid', 'org_1', now);
    const second = sampleEvent('invoice.paid', 'org_1', now);
    expect(isEventId(first['id'] as string)).toBe(true);
    expect(eventIdTime(first['id'] as string)).toBe(now.getTime());
    expect(first['id']).not.toBe(second['id']);
    expect({ ...first, id: null }).toEqual({ ...second, id: null });
  });

  it('dates the event and its data by the clock when no time is given', () => {
    const before = Date.now();
    const event = sampleEvent('customer.created', 'org_1');
    const created = Date.parse(event['created_at'] as string);
    expect(created).toBeGreaterThanOrEqual(before);
    expect(created).toBeLessThanOrEqual(Date.now());
    expect((event['data'] as Record<string, unknown>)['created_at']).toBe(event['created_at']);
  });

  it('fills data by field name and type, plausibly', () => {
    const invoice = sampleEvent('invoice.paid', 'org_acme', now)['data'] as Record<string, unknown>;
    expect(invoice).toMatchObject({
      id: 'sample_invoice',
      object: 'invoice',
      organization_id: 'org_acme',
      created_at: now.toISOString(),
      customer_id: 'customer_sample_0001',
    });
    expect(invoice['status']).toBe('paid');
    const deal = sampleEvent('crm.deal.created', 'org_acme', now)['data'] as Record<string, unknown>;
    expect(deal).toMatchObject({ object: 'crm.deal', amount: 1999, expected_close_date: '2026-11-24' });
    const customer = sampleEvent('customer.created', 'org_acme', now)['data'] as Record<string, unknown>;
    expect(customer['email']).toBe('sample@example.com');
  });

  it('gives previous attributes to updates only', () => {
    expect(sampleEvent('invoice.created', 'org_1', now)['previous_attributes']).toBeNull();
    expect(sampleEvent('invoice.paid', 'org_1', now)['previous_attributes']).toBeNull();
    const stage = sampleEvent('crm.deal.stage_updated', 'org_1', now);
    const previous = stage['previous_attributes'] as Record<string, unknown>;
    expect(previous['stage']).toBeDefined();
    expect(previous['stage']).not.toBe((stage['data'] as Record<string, unknown>)['stage']);
  });

  it('makes a coherent destination.disabled and destination.enabled, with the webhook URL and no secret', () => {
    const disabled = sampleEvent('destination.disabled', 'org_1', now);
    expect(disabled).toMatchObject({ severity: 'warn', source: 'system', previous_attributes: { active: true } });
    expect(disabled['data']).toMatchObject({
      id: 'sample_destination',
      object: 'destination',
      type: 'webhook',
      active: false,
      url: 'https://example.com/webhooks/events',
      disabled_reason: 'The endpoint answered 410 Gone.',
      disabled_at: now.toISOString(),
    });
    expect(JSON.stringify(disabled)).not.toMatch(/secret|whsec_/);
    const enabled = sampleEvent('destination.enabled', 'org_1', now);
    expect(enabled['data']).toMatchObject({ active: true, disabled_reason: null, disabled_at: null });
    expect(enabled['previous_attributes']).toMatchObject({ active: false });
  });

  it('refuses a type the catalogue does not have, naming it', () => {
    expect(() => sampleEvent('invoice.exploded', 'org_1', now)).toThrow(/invoice\.exploded/);
  });
});
