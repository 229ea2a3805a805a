import avro from 'avsc';
import { describe, expect, it } from 'vitest';
import type { AvroRecord } from '../../core/avro.js';
import { buildEventSchema, eventSeverities, eventSources } from '../../core/event-schema.js';
import { readCatalogue, readEntitySchemas } from '../../schemas/catalogue.js';

const catalogue = readCatalogue();
const entities = readEntitySchemas();

/** The 27 event types of the business suite's Events API (seed 003). */
const businessSuiteTypes = [
  'invoice.created', 'invoice.updated', 'invoice.deleted', 'invoice.approved', 'invoice.sent', 'invoice.paid', 'invoice.cancelled',
  'crm.deal.created', 'crm.deal.updated', 'crm.deal.deleted', 'crm.deal.stage_updated',
  'crm.company.created', 'crm.company.updated', 'crm.company.deleted',
  'crm.contact.created', 'crm.contact.updated', 'crm.contact.deleted',
  'crm.activity.created', 'crm.activity.deleted',
  'attendance.record.clocked_in', 'attendance.record.clocked_out',
  'mail.campaign.sent', 'forms.response.submitted',
  'customer.created', 'customer.updated', 'customer.deleted',
  'conversion.completed',
]; // prettier-ignore

describe('event catalogue', () => {
  it('holds every event type of the business suite', () => {
    expect(businessSuiteTypes).toHaveLength(27);
    expect(businessSuiteTypes.filter((type) => !catalogue[type])).toEqual([]);
  });

  it('holds the PIM entity events, created to deleted', () => {
    for (const action of ['created', 'updated', 'unchanged', 'deleted']) expect(catalogue[`pim.sku.${action}`]?.entity).toBe('pim.sku');
  });

  it('holds the billing platform types the issue names', () => {
    const billing = [
      ...['created', 'updated', 'activated', 'paused', 'resumed', 'canceled', 'past_due', 'trialing'].map((a) => `subscription.${a}`),
      ...['created', 'updated', 'billed', 'paid', 'completed', 'canceled', 'past_due', 'payment_failed'].map((a) => `transaction.${a}`),
      ...['customer', 'address', 'business', 'price', 'product', 'discount', 'adjustment', 'payout'].map((entity) => `${entity}.created`),
    ];
    expect(billing.filter((type) => !catalogue[type])).toEqual([]);
  });

  it('holds the IoT platform events as sim.* and endpoint.* types with their source and severity', () => {
    const iot = {
      'sim.location_updated': ['network', 'info'],
      'sim.gprs_location_updated': ['network', 'info'],
      'sim.location_purged': ['network', 'info'],
      'sim.pdp_context_created': ['network', 'info'],
      'sim.pdp_context_deleted': ['network', 'info'],
      'sim.activated': ['api', 'info'],
      'sim.suspended': ['api', 'info'],
      'sim.registered': ['api', 'info'],
      'endpoint.blocked': ['policy', 'warn'],
      'endpoint.offline': ['network', 'warn'],
      'endpoint.data_quota_threshold_reached': ['policy', 'warn'],
      'endpoint.data_quota_exhausted': ['policy', 'warn'],
      'endpoint.sms_quota_exhausted': ['policy', 'warn'],
      'iot.organization.blocked': ['policy', 'warn'],
      'iot.user.authentication_failed': ['api', 'warn'],
    };
    for (const [type, [source, severity]] of Object.entries(iot)) expect(catalogue[type], type).toMatchObject({ source, severity });
  });

  it('gives every type an entity with a schema, a description, a severity and a source', () => {
    for (const [type, entry] of Object.entries(catalogue)) {
      expect(entities[entry.entity], type).toBeDefined();
      expect(entry.description.length, type).toBeGreaterThan(5);
      expect(eventSeverities, type).toContain(entry.severity);
      expect(eventSources, type).toContain(entry.source);
    }
  });
});

describe('event schemas', () => {
  it('round-trip an event of every entity through avro, previous attributes included', () => {
    for (const [entity, data] of Object.entries(entities)) {
      const type = avro.Type.forSchema(buildEventSchema(entity, data) as avro.Schema);
      const sample = sampleRecord(data);
      const event = {
        id: 'evt_0193a5c2-7c4e-7b7a-9a8b-0123456789ab',
        type: `${entity}.updated`,
        occurred_at: 1_767_225_600_000_000,
        organization_id: 'org_1',
        entity_type: entity,
        entity_id: 'id_1',
        action: 'updated',
        source: 'api',
        severity: 'info',
        request_id: 'req_1',
        actor: null,
        data: sample,
        previous_attributes: { [data.fields[3]?.name ?? 'id']: sample[data.fields[3]?.name ?? 'id'] },
      };
      const decoded = type.fromBuffer(type.toBuffer(event)) as Record<string, unknown>;
      expect(decoded['data'], entity).toEqual(sample);
      expect(decoded['previous_attributes'], entity).toMatchObject(event.previous_attributes);
    }
  });
});

/** A valid value for every field of a record: the first enum symbol, empty maps, sample strings. */
function sampleRecord(record: AvroRecord): Record<string, unknown> {
  const fromType = (type: unknown): unknown => {
    if (Array.isArray(type)) {
      const member: unknown = type.find((candidate) => candidate !== 'null');
      // A reference to a named type defined elsewhere in the record: null is always valid here.
      return typeof member === 'string' && member.includes('.') ? null : fromType(member);
    }
    if (type === 'string') return 'text';
    if (type === 'long' || type === 'int') return 7;
    if (type === 'double' || type === 'float') return 1.5;
    if (type === 'boolean') return true;
    const complex = type as { type: string; symbols?: string[]; fields?: unknown };
    if (complex.type === 'enum') return complex.symbols?.[0];
    if (complex.type === 'array') return [];
    if (complex.type === 'map') return {};
    if (complex.type === 'record') return sampleRecord(complex as AvroRecord);
    throw new Error(`no sample for ${JSON.stringify(type)}`);
  };
  return Object.fromEntries(record.fields.map((field) => [field.name, fromType(field.type)]));
}
