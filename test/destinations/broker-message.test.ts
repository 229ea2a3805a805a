import { describe, expect, it } from 'vitest';
import { isTemplate, parseTemplate, type FieldTemplate } from '../../core/field-template.js';
import { brokerMessages, type BrokerMessage } from '../../destinations/broker-message.js';

const template = (text: string): FieldTemplate => {
  const parsed = parseTemplate(text);
  if (!isTemplate(parsed)) throw new Error(parsed.problem);
  return parsed;
};

const event = {
  id: 'evt_1',
  type: 'invoice.paid',
  occurred_at: '2026-12-06T10:00:00.123456Z',
  organization_id: 'org_1',
  entity_type: 'invoice',
  entity_id: 'inv_1',
  source: 'api',
  severity: 'info',
  request_id: null,
  data: { status: 'paid' },
};
const delivery = (payload: string) => ({ id: 'dlv_1', eventId: 'evt_1', eventType: 'invoice.paid', entityId: 'inv_1', payload });

describe('broker messages', () => {
  it('carry the event as JSON, the rendered address, the delivery id and the CloudEvents attributes', () => {
    const payload = JSON.stringify(event);
    expect(brokerMessages([delivery(payload)], template('events.{type}.{data.status}'))).toEqual({
      messages: [
        {
          id: 'dlv_1',
          address: 'events.invoice.paid.paid',
          body: Buffer.from(payload),
          contentType: 'application/json',
          headers: {
            ce_specversion: '1.0',
            ce_id: 'evt_1',
            ce_type: 'invoice.paid',
            ce_source: '/orgs/org_1/api',
            ce_time: '2026-12-06T10:00:00.123456Z',
            ce_subject: 'inv_1',
            ce_orgid: 'org_1',
            ce_severity: 'info',
            'evp-delivery-id': 'dlv_1',
            'evp-event-id': 'evt_1',
          },
        },
      ],
    });
  });

  it('say a CloudEvents body is one', () => {
    const [message] = (
      brokerMessages([{ ...delivery('{}'), event: JSON.stringify(event), contentType: 'application/cloudevents+json' }], template('x')) as {
        messages: BrokerMessage[];
      }
    ).messages;
    expect(message?.contentType).toBe('application/cloudevents+json');
  });

  it('fail the attempt, naming the field, when an event lacks what the template names', () => {
    expect(brokerMessages([delivery(JSON.stringify(event))], template('{data.customer_id}'))).toEqual({
      problem:
        'the template "{data.customer_id}" names {data.customer_id}, which event evt_1 does not have; nothing of this attempt was sent',
    });
    expect(brokerMessages([delivery('[1]')], template('{type}'))).toEqual({
      problem: 'the event of delivery dlv_1 is not an event object',
    });
  });

  it('render the address and headers from the event object when the body is shaped (a projection lacks the fields)', () => {
    const projection = JSON.stringify({ status: 'paid' });
    const shaped = { ...delivery(projection), event: JSON.stringify(event) };
    const built = brokerMessages([shaped], template('events.{type}.{data.status}'));
    expect(built).toMatchObject({
      messages: [
        { address: 'events.invoice.paid.paid', body: Buffer.from(projection), headers: { ce_id: 'evt_1', ce_type: 'invoice.paid' } },
      ],
    });
  });
});
