import { describe, expect, it } from 'vitest';
import { createRegistryClient } from '../../adapters/registry.js';
import type { AvroField, AvroRecord } from '../../core/avro.js';
import { checkSchemas, registerSchemas } from '../../schemas/governance.js';
import { useTestContext } from '../harness/index.js';
import { eventSchema } from '../harness/samples.js';

const ctx = useTestContext('governance');
const registry = createRegistryClient({ url: ctx.endpoints.schemaRegistryUrl });

/** The invoice event schema with its data record's fields changed by `change`. */
function invoiceWith(change: (fields: AvroField[]) => AvroField[]): AvroRecord {
  const schema = structuredClone(eventSchema('invoice'));
  const data = schema.fields.find((field) => field.name === 'data') as AvroField & { type: AvroRecord };
  data.type.fields = change(data.type.fields);
  return schema;
}

const retype = (name: string, type: AvroField['type']) => (fields: AvroField[]) =>
  fields.map((field) => (field.name === name ? { ...field, type } : field));

describe('schema governance', () => {
  it('registers each entity schema under <topic>-value with BACKWARD compatibility, idempotently', async () => {
    const prefix = `${ctx.topicPrefix}.all`;
    const schemas = new Map([
      ['invoice', eventSchema('invoice')],
      ['crm.deal', eventSchema('crm.deal')],
    ]);
    const first = await registerSchemas({ registry, topicPrefix: prefix, schemas });
    expect(first.outcomes.map((o) => [o.subject, o.status])).toEqual([
      [`${prefix}.invoice-value`, 'registered'],
      [`${prefix}.crm.deal-value`, 'registered'],
    ]);
    expect(await registry.subjectCompatibility(`${prefix}.invoice-value`)).toBe('BACKWARD');
    const again = await registerSchemas({ registry, topicPrefix: prefix, schemas });
    expect(again.outcomes.map((o) => o.status)).toEqual(['unchanged', 'unchanged']);
    expect(await checkSchemas({ registry, topicPrefix: prefix, schemas })).toMatchObject([
      { status: 'unchanged' },
      { status: 'unchanged' },
    ]);
  });

  it('registers a compatible change (a field added with a default) as a new version', async () => {
    const prefix = `${ctx.topicPrefix}.compatible`;
    await registerSchemas({ registry, topicPrefix: prefix, schemas: new Map([['invoice', eventSchema('invoice')]]) });
    const added = invoiceWith((fields) => [...fields, { name: 'po_number', type: ['null', 'string'], default: null }]);
    expect(await checkSchemas({ registry, topicPrefix: prefix, schemas: new Map([['invoice', added]]) })).toMatchObject([
      { subject: `${prefix}.invoice-value`, status: 'compatible', compatibility: 'BACKWARD' },
    ]);
    const result = await registerSchemas({ registry, topicPrefix: prefix, schemas: new Map([['invoice', added]]) });
    expect(result.outcomes).toMatchObject([{ status: 'registered', version: 2 }]);
  });

  it('has the registry refuse a changed type and a field added without default, naming subject, field and rule', async () => {
    const prefix = `${ctx.topicPrefix}.breaking`;
    const subject = `${prefix}.invoice-value`;
    await registerSchemas({ registry, topicPrefix: prefix, schemas: new Map([['invoice', eventSchema('invoice')]]) });

    const retyped = invoiceWith(retype('total_amount', 'string'));
    const checked = await checkSchemas({ registry, topicPrefix: prefix, schemas: new Map([['invoice', retyped]]) });
    expect(checked).toMatchObject([{ subject, status: 'incompatible', compatibility: 'BACKWARD' }]);
    const problems = (checked[0] as { problems: string[] }).problems;
    expect(problems.join('\n')).toMatch(
      /field data\.total_amount: reader type: STRING not compatible with writer type: LONG \(rule BACKWARD/,
    );

    const refused = await registerSchemas({ registry, topicPrefix: prefix, schemas: new Map([['invoice', retyped]]) });
    expect(refused.outcomes).toMatchObject([{ subject, status: 'refused' }]);
    expect((refused.outcomes[0] as { problems: string[] }).problems.join('\n')).toContain('data.total_amount');

    const required = invoiceWith((fields) => [...fields, { name: 'po_number', type: 'string' }]);
    const [missingDefault] = await checkSchemas({ registry, topicPrefix: prefix, schemas: new Map([['invoice', required]]) });
    expect((missingDefault as { problems: string[] }).problems.join('\n')).toContain('field data.po_number was added without a default');
    expect((await registry.latest(subject))?.version).toBe(1);
  });

  it('refuses the removal of a field without default under FULL, the configured rule', async () => {
    const prefix = `${ctx.topicPrefix}.full`;
    await registerSchemas({
      registry,
      topicPrefix: prefix,
      schemas: new Map([['invoice', eventSchema('invoice')]]),
      compatibility: 'FULL',
    });
    expect(await registry.subjectCompatibility(`${prefix}.invoice-value`)).toBe('FULL');
    const removed = invoiceWith((fields) => fields.filter((field) => field.name !== 'currency'));
    const result = await registerSchemas({
      registry,
      topicPrefix: prefix,
      schemas: new Map([['invoice', removed]]),
      compatibility: 'FULL',
    });
    expect(result.outcomes).toMatchObject([{ status: 'refused' }]);
    expect((result.outcomes[0] as { problems: string[] }).problems.join('\n')).toContain('rule FULL');
  });
});
