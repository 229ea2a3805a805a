import { SchemaType } from '@kafkajs/confluent-schema-registry';
import { describe, expect, it } from 'vitest';
import { useTestContext } from '../harness/index.js';

const ctx = useTestContext('registry-smoke');

const schema = {
  type: 'record',
  name: 'Smoke',
  namespace: 'test.evp',
  fields: [
    { name: 'id', type: 'string' },
    { name: 'amount', type: 'long' },
  ],
};

describe('local schema registry', () => {
  it('registers an avro schema and round-trips a record in the confluent wire format', async () => {
    const registry = ctx.createRegistry();
    const subject = ctx.subject('smoke');
    const { id } = await registry.register({ type: SchemaType.AVRO, schema: JSON.stringify(schema) }, { subject });
    expect(id).toBeGreaterThan(0);

    const encoded = await registry.encode(id, { id: 'inv_1', amount: 1250 });
    // Confluent wire format: magic byte 0, the schema id as a big-endian int32, then the Avro body.
    expect(encoded[0]).toBe(0);
    expect(encoded.readInt32BE(1)).toBe(id);
    expect(encoded.length).toBeGreaterThan(5);
    expect(await registry.decode(encoded)).toEqual({ id: 'inv_1', amount: 1250 });
  });

  it('lists the registered subject through the ccompat API', async () => {
    const registry = ctx.createRegistry();
    const subject = ctx.subject('listed');
    await registry.register({ type: SchemaType.AVRO, schema: JSON.stringify({ ...schema, name: 'Listed' }) }, { subject });
    // A registry that has served many runs holds more subjects than one page of /subjects (1,000):
    // the subject is looked up by name, and the list is checked to answer.
    const list = await fetch(`${ctx.endpoints.schemaRegistryUrl}/subjects`);
    expect(list.status).toBe(200);
    expect(Array.isArray(await list.json())).toBe(true);
    const versions = await fetch(`${ctx.endpoints.schemaRegistryUrl}/subjects/${encodeURIComponent(subject)}/versions`);
    expect(versions.status).toBe(200);
    expect(await versions.json()).toEqual([1]);
  });

  it('refuses a breaking change under the global BACKWARD rule', async () => {
    const registry = ctx.createRegistry();
    const subject = ctx.subject('breaking');
    await registry.register({ type: SchemaType.AVRO, schema: JSON.stringify(schema) }, { subject });
    const breaking = { ...schema, fields: [...schema.fields, { name: 'currency', type: 'string' }] };
    await expect(registry.register({ type: SchemaType.AVRO, schema: JSON.stringify(breaking) }, { subject })).rejects.toThrow();
  });
});
