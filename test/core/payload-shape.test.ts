import { describe, expect, it } from 'vitest';
import { eventFieldsOf, subscribedFieldsOf } from '../../core/event-fields.js';
import { payloadJsonSchema } from '../../core/payload-json-schema.js';
import {
  batchContentType,
  checkPayloadShape,
  payloadContentType,
  projectionOf,
  shapePayload,
  storedPayloadShape,
} from '../../core/payload-shape.js';
import { readCatalogue } from '../../schemas/catalogue.js';
import { readEventSchemas } from '../../schemas/event-schemas.js';

const schemas = readEventSchemas();
const catalogue = readCatalogue();
const schemaOf = (type: string) => schemas.get(catalogue[type]?.entity ?? '')!;
const subscribed = (...types: string[]) => subscribedFieldsOf(types, (type) => eventFieldsOf(schemaOf(type)));

const event = {
  id: 'evt_1',
  object: 'event',
  type: 'invoice.paid',
  organization_id: 'org_a',
  occurred_at: '2026-12-06T10:00:00.123456Z',
  entity_type: 'invoice',
  entity_id: 'inv_1',
  source: 'api',
  severity: 'info',
  request_id: 'req_1',
  data: { total_amount: 1200, currency: 'EUR', customer_id: null, metadata: { region: 'eu' } },
  previous_attributes: null,
};
const payload = JSON.stringify(event);

describe('payload shaping', () => {
  it('sends the event object unchanged by default', () => {
    expect(shapePayload('event', payload)).toBe(payload);
    expect(storedPayloadShape(null)).toBe('event');
  });

  it('makes a CloudEvents 1.0 structured event with the attributes the Kafka headers carry', () => {
    expect(JSON.parse(shapePayload('cloudevents', payload))).toEqual({
      specversion: '1.0',
      id: 'evt_1',
      source: '/orgs/org_a/api',
      type: 'invoice.paid',
      subject: 'inv_1',
      time: '2026-12-06T10:00:00.123456Z',
      datacontenttype: 'application/json',
      orgid: 'org_a',
      severity: 'info',
      entitytype: 'invoice',
      requestid: 'req_1',
      data: event.data,
    });
    expect(JSON.parse(shapePayload('cloudevents', JSON.stringify({ ...event, request_id: null })))).not.toHaveProperty('requestid');
  });

  it('keeps only the projected paths, nested, leaving out the ones an event lacks and keeping nulls', () => {
    expect(projectionOf(event, ['id', 'type', 'data.total_amount', 'data.customer_id', 'data.metadata.region', 'data.nothing'])).toEqual({
      id: 'evt_1',
      type: 'invoice.paid',
      data: { total_amount: 1200, customer_id: null, metadata: { region: 'eu' } },
    });
    expect(JSON.parse(shapePayload({ fields: ['data'] }, payload))).toEqual({ data: event.data });
  });

  it('refuses projected paths no subscribed type has, paths that are not paths, and repeats', () => {
    expect(checkPayloadShape({ fields: ['id', 'data.total_amount'] }, subscribed('invoice.paid'))).toEqual([]);
    expect(checkPayloadShape({ fields: ['id', 'data.nothing', 'data..x', 'data', 'data.currency'] }, subscribed('invoice.paid'))).toEqual([
      { field: 'payload.fields.1', message: 'data.nothing is a field that no subscribed event type has' },
      { field: 'payload.fields.2', message: expect.stringContaining('is not a field path') },
      { field: 'payload.fields.4', message: 'data.currency is kept already by another of the fields' },
    ]);
    expect(checkPayloadShape('cloudevents', subscribed('invoice.paid'))).toEqual([]);
  });
});

describe('payload JSON Schema', () => {
  const invoice = [{ type: 'invoice.paid', schema: schemaOf('invoice.paid') }];

  it('describes the event object from the event schema', () => {
    const schema = payloadJsonSchema('event', invoice);
    expect(schema).toMatchObject({
      type: 'object',
      properties: { type: { const: 'invoice.paid' }, data: { type: 'object', properties: { total_amount: { type: 'integer' } } } },
    });
    expect(schema['required']).toContain('data');
  });

  it('describes a CloudEvents body with the type data, and a projection with only its paths', () => {
    expect(payloadJsonSchema('cloudevents', invoice)).toMatchObject({
      properties: { specversion: { const: '1.0' }, data: { properties: { currency: { type: 'string' } } } },
    });
    const projected = payloadJsonSchema({ fields: ['id', 'data.total_amount'] }, invoice);
    expect(projected['properties']).toEqual({
      id: { type: 'string' },
      data: { type: 'object', properties: { total_amount: { type: 'integer' } } },
    });
  });

  it('gives one alternative per subscribed type', () => {
    const both = payloadJsonSchema('event', [...invoice, { type: 'customer.created', schema: schemaOf('customer.created') }]);
    expect((both['oneOf'] as unknown[]).length).toBe(2);
  });
});

describe('payload media types', () => {
  it('names a CloudEvents payload as such, alone and in a batch, and everything else JSON', () => {
    expect(payloadContentType('cloudevents')).toBe('application/cloudevents+json');
    expect(batchContentType(payloadContentType('cloudevents'))).toBe('application/cloudevents-batch+json');
    for (const shape of ['event', { fields: ['id'] }] as const) {
      expect(payloadContentType(shape)).toBe('application/json');
      expect(batchContentType(payloadContentType(shape))).toBe('application/json');
    }
  });
});
