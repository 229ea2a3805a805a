import { describe, expect, it } from 'vitest';
import { envelopeProblems, maxClockSkewMs, readEnvelope } from '../../core/event-envelope.js';
import { createEventId } from '../../core/ids.js';
import { sampleEnvelope } from '../harness/envelope.js';

/** 2026-11-24T12:00:00.000Z */
const now = Date.UTC(2026, 10, 24, 12);

function validEvent(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return { ...sampleEnvelope(now, overrides) };
}

describe('envelopeProblems', () => {
  it('finds nothing wrong with a valid event', () => {
    expect(envelopeProblems(validEvent(), 'invoice', now)).toEqual([]);
  });

  it('accepts a data without an id and ids made up to a day ahead of this clock', () => {
    expect(envelopeProblems(validEvent({ data: { amount: 1 } }), 'invoice', now)).toEqual([]);
    expect(envelopeProblems(validEvent({ id: createEventId(now + maxClockSkewMs) }), 'invoice', now)).toEqual([]);
  });

  it('rejects an id that is not evt_ + UUIDv7', () => {
    for (const id of ['evt_123', 'a1b2c3d4-5678-70ab-8def-1234567890ab', 42, undefined, '']) {
      const problems = envelopeProblems(validEvent({ id }), 'invoice', now);
      expect(problems, String(id)).toHaveLength(1);
      expect(problems[0]).toMatch(/is not an event id/);
    }
    // A UUIDv4 in evt_ form.
    expect(envelopeProblems(validEvent({ id: 'evt_0192f3a4-5b00-4abc-8def-1234567890ab' }), 'invoice', now)).toEqual([
      expect.stringMatching(/is not an event id/),
    ]);
  });

  it('rejects an id made more than a day ahead of this clock', () => {
    const id = createEventId(now + maxClockSkewMs + 1);
    expect(envelopeProblems(validEvent({ id }), 'invoice', now)).toEqual([
      `id ${id} was made at 2026-11-25T12:00:00.001Z, more than a day ahead of this clock`,
    ]);
  });

  it("rejects an entity_type that is not the topic's", () => {
    const problems = envelopeProblems(validEvent({ entity_type: 'payment', type: 'payment.updated' }), 'invoice', now);
    expect(problems).toEqual(['entity_type "payment" is not the topic\'s entity "invoice"']);
  });

  it('rejects a type that is not entity_type.action', () => {
    expect(envelopeProblems(validEvent({ type: 'invoice.created' }), 'invoice', now)).toEqual([
      'type "invoice.created" is not <entity_type>.<action> (invoice.updated)',
    ]);
    expect(envelopeProblems(validEvent({ action: 'paid' }), 'invoice', now)).toEqual([
      'type "invoice.updated" is not <entity_type>.<action> (invoice.paid)',
    ]);
  });

  it('rejects an empty organization_id', () => {
    for (const organization_id of ['', '   ', undefined]) {
      expect(envelopeProblems(validEvent({ organization_id }), 'invoice', now)).toEqual(['organization_id is empty']);
    }
  });

  it('rejects an empty entity_id', () => {
    expect(envelopeProblems(validEvent({ entity_id: '', data: { amount: 1 } }), 'invoice', now)).toEqual(['entity_id is empty']);
  });

  it('rejects an entity_id that differs from data.id', () => {
    expect(envelopeProblems(validEvent({ entity_id: 'inv_2' }), 'invoice', now)).toEqual([
      'entity_id "inv_2" differs from data.id "inv_1"',
    ]);
  });

  it('reports every problem at once', () => {
    const event = validEvent({ id: 'nope', entity_type: 'payment', organization_id: '', entity_id: '' });
    expect(envelopeProblems(event, 'invoice', now)).toEqual([
      'id "nope" is not an event id (evt_ + UUIDv7)',
      'entity_type "payment" is not the topic\'s entity "invoice"',
      'type "invoice.updated" is not <entity_type>.<action> (payment.updated)',
      'organization_id is empty',
      'entity_id is empty',
      'entity_id "" differs from data.id "inv_1"',
    ]);
  });
});

describe('readEnvelope', () => {
  it('takes a record with every envelope field of its type as the envelope it is', () => {
    const event = validEvent();
    expect(readEnvelope(event)).toEqual({ ok: true, event });
    expect(readEnvelope(validEvent({ request_id: null, actor: null, previous_attributes: null })).ok).toBe(true);
  });

  it('names each field whose value is not of its type', () => {
    const result = readEnvelope(
      validEvent({ id: 42, occurred_at: '2026-11-24', source: 'radio', data: [1], previous_attributes: 'x', actor: 7 }),
    );
    expect(result).toEqual({
      ok: false,
      problems: [
        'id 42 is not a string',
        'actor 7 is neither a string nor null',
        'occurred_at "2026-11-24" is not microseconds since the epoch',
        'source "radio" is not one of api, system, network, policy, integration',
        'data [1] is not an object',
        'previous_attributes "x" is neither an object nor null',
      ],
    });
  });

  it('reports a missing field as undefined', () => {
    const event = validEvent();
    delete event['severity'];
    expect(readEnvelope(event)).toEqual({ ok: false, problems: ['severity undefined is not one of info, warn, critical'] });
  });
});
