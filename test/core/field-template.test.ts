import { describe, expect, it } from 'vitest';
import { eventFieldsOf, subscribedFieldsOf } from '../../core/event-fields.js';
import { checkTemplate, isTemplate, parseTemplate, renderTemplate, TemplateError, type FieldTemplate } from '../../core/field-template.js';
import { readCatalogue } from '../../schemas/catalogue.js';
import { readEventSchemas } from '../../schemas/event-schemas.js';

const schemas = readEventSchemas();
const catalogue = readCatalogue();
const fieldsOfType = (type: string) => {
  const schema = schemas.get(catalogue[type]?.entity ?? '');
  return schema === undefined ? undefined : eventFieldsOf(schema);
};
const subscribed = (...types: string[]) => subscribedFieldsOf(types, fieldsOfType);

function parsed(text: string, time = false): FieldTemplate {
  const template = parseTemplate(text, { time });
  if (!isTemplate(template)) throw new Error(template.problem);
  return template;
}

const event = {
  id: 'evt_1',
  type: 'invoice.paid',
  entity_id: 'inv_1',
  request_id: null,
  data: { id: 'inv_1', total_amount: 1200, paid: true, metadata: { region: 'eu' }, lines: [] },
};

describe('event fields', () => {
  it('has the envelope, data and previous_attributes of the type, a map open to any key, and nothing else', () => {
    const invoice = fieldsOfType('invoice.paid');
    expect([...(invoice?.kindsOf('entity_id') ?? [])]).toEqual(['string']);
    expect([...(invoice?.kindsOf('data.total_amount') ?? [])]).toEqual(['number']);
    expect([...(invoice?.kindsOf('data.customer_id') ?? [])].sort()).toEqual(['null', 'string']);
    expect([...(invoice?.kindsOf('data.status') ?? [])]).toContain('string');
    expect([...(invoice?.kindsOf('previous_attributes.status') ?? [])]).toContain('string');
    expect(invoice?.kindsOf('data.metadata.region')).toEqual(new Set(['string']));
    expect(invoice?.kindsOf('data.no_such_field')).toBeUndefined();
    expect(invoice?.kindsOf('nothing')).toBeUndefined();
  });
});

describe('field templates', () => {
  it('render fields, time parts and literal braces', () => {
    const time = new Date('2026-03-04T05:06:07Z');
    expect(renderTemplate(parsed('evp.{type}.{{x}}'), event)).toBe('evp.invoice.paid.{x}');
    expect(renderTemplate(parsed('{data.metadata.region}/{yyyy}/{mm}/{dd}/{hh}/{mi}', true), event, time)).toBe('eu/2026/03/04/05/06');
    expect(renderTemplate(parsed('{data.total_amount}-{data.paid}-{request_id}'), event)).toBe('1200-true-');
  });

  it('name a time part a field where times are not allowed', () => {
    expect(parsed('{yyyy}').parts).toEqual([{ kind: 'field', path: 'yyyy' }]);
  });

  it('refuse broken syntax, saying where', () => {
    expect(parseTemplate('a{type')).toEqual({ problem: 'the { at character 2 is not closed; write {{ for a literal brace' });
    expect(parseTemplate('a}b')).toEqual({ problem: 'a lone } at character 2; write }} for a literal brace' });
    expect(parseTemplate('{data..x}')).toMatchObject({ problem: expect.stringContaining('{data..x} is not a field path') });
    expect(parseTemplate('{}')).toMatchObject({ problem: expect.stringContaining('is not a field path') });
  });

  it('fail an event without the field, or with an object in it, naming both', () => {
    expect(() => renderTemplate(parsed('{data.customer_id}'), event)).toThrow(TemplateError);
    expect(() => renderTemplate(parsed('{data.customer_id}'), event)).toThrow('names {data.customer_id}, which event evt_1 does not have');
    expect(() => renderTemplate(parsed('{data.metadata}'), event)).toThrow('holds an object in event evt_1');
    expect(() => renderTemplate(parsed('{data.lines}'), event)).toThrow('holds a list in event evt_1');
  });

  it('are checked against every subscribed type when a destination is saved', () => {
    expect(checkTemplate('amqp.routing_key', '{type}.{data.status}', subscribed('invoice.paid', 'invoice.sent'))).toEqual([]);
    expect(checkTemplate('amqp.routing_key', '{data.total_amount}', subscribed('invoice.paid', 'customer.created'))).toEqual([
      { field: 'amqp.routing_key', message: '{data.total_amount} names a field that events of customer.created do not have' },
    ]);
    expect(checkTemplate('amqp.routing_key', '{data.metadata}', subscribed('invoice.paid'))).toEqual([
      { field: 'amqp.routing_key', message: '{data.metadata} holds object in events of invoice.paid, not text; name a field inside it' },
    ]);
    expect(checkTemplate('s3.key', '{yyyy}/{oops', subscribed('invoice.paid'), { time: true })).toEqual([
      { field: 's3.key', message: 'the { at character 8 is not closed; write {{ for a literal brace' },
    ]);
  });
});
