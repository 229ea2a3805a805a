import { describe, expect, it } from 'vitest';
import { explainCauses, fieldPath } from '../../schemas/governance.js';
import { eventSchema } from '../harness/samples.js';

describe('incompatibility causes', () => {
  const schema = eventSchema('invoice');
  const dataIndex = schema.fields.findIndex((f) => f.name === 'data');

  it('turn the registry JSON pointer into a field path', () => {
    expect(fieldPath(schema, `/fields/${dataIndex}/type/fields/0/type`)).toBe('data.id');
    expect(fieldPath(schema, '/fields/0')).toBe('id');
    expect(fieldPath(schema, '/')).toBeUndefined();
  });

  it('name the field and the rule', () => {
    expect(
      explainCauses(
        schema,
        [{ description: 'reader type: STRING not compatible with writer type: LONG', pointer: `/fields/${dataIndex}/type/fields/0/type` }],
        'BACKWARD',
      ),
    ).toEqual([
      `field data.id: reader type: STRING not compatible with writer type: LONG (rule BACKWARD, at /fields/${dataIndex}/type/fields/0/type)`,
    ]);
    expect(explainCauses(schema, [{ description: 'id', pointer: `/fields/${dataIndex}/type/fields/0` }], 'FULL')[0]).toContain(
      'field data.id was added without a default',
    );
  });
});
