import { describe, expect, it } from 'vitest';
import { parseTemplate } from '../../core/field-template.js';
import { renderNames } from '../../destinations/render-names.js';
import type { PendingDelivery } from '../../destinations/server-kind.js';

const event = { id: 'evt_1', type: 'invoice.paid', entity_id: 'inv_1', data: { total_amount: 1200 } };
const delivery = (overrides: Partial<PendingDelivery>): PendingDelivery => ({
  id: 'dlv_1',
  eventId: 'evt_1',
  eventType: 'invoice.paid',
  entityId: 'inv_1',
  payload: JSON.stringify(event),
  ...overrides,
});

describe('renderNames', () => {
  it('renders from the event object, not from a body shaped into CloudEvents or a projection', () => {
    const shaped = delivery({ payload: JSON.stringify({ specversion: '1.0', id: 'evt_1' }), event: JSON.stringify(event) });
    expect(
      renderNames(
        'amqp.routing_key',
        parseTemplate('{type}.{entity_id}'),
        [shaped],
        () => undefined,
        (_, name) => name,
      ),
    ).toEqual(['invoice.paid.inv_1']);
  });

  it('fails the attempt, naming the setting and the event, when an event lacks a field or a name is refused', () => {
    const outcome = renderNames(
      'redis.stream',
      parseTemplate('{data.customer_id}'),
      [delivery({})],
      () => undefined,
      (_, name) => name,
    );
    expect(outcome).toMatchObject({ result: { kind: 'error', code: 'invalid_name' }, error: expect.stringContaining('redis.stream') });
    const refused = renderNames(
      'mqtt.topic',
      parseTemplate('a/{type}'),
      [delivery({})],
      () => 'no',
      (_, name) => name,
    );
    expect(refused).toMatchObject({ error: expect.stringContaining('(event evt_1)') });
  });
});
