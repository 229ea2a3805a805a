import { describe, expect, it } from 'vitest';
import { hoistNamedSchemas, withoutValidatorKeywords } from '../../api/openapi-document.js';

describe('named schemas in the OpenAPI document', () => {
  it('become components referenced where they were, inner ones first, and a second schema under a taken name is reported', () => {
    const item = { title: 'Item', type: 'object', properties: { id: { type: 'string' } } };
    const list = { title: 'ItemList', type: 'object', properties: { data: { type: 'array', items: item } } };
    const { document, clashes } = hoistNamedSchemas({
      paths: { '/items': { get: { responses: { 200: { content: { 'application/json': { schema: list } } } } } } },
      components: { securitySchemes: { apiKey: { type: 'http' } } },
    });
    expect(clashes).toEqual([]);
    expect(document['components']).toEqual({
      securitySchemes: { apiKey: { type: 'http' } },
      schemas: {
        Item: item,
        ItemList: {
          title: 'ItemList',
          type: 'object',
          properties: { data: { type: 'array', items: { $ref: '#/components/schemas/Item' } } },
        },
      },
    });
    expect(JSON.stringify(document['paths'])).toBe(
      JSON.stringify({
        '/items': {
          get: { responses: { 200: { content: { 'application/json': { schema: { $ref: '#/components/schemas/ItemList' } } } } } },
        },
      }),
    );

    const other = { title: 'Item', type: 'string' };
    expect(hoistNamedSchemas({ paths: { a: item, b: other } }).clashes).toEqual(['Item']);
  });

  it('leave out the keywords only the validator knows, but not a property of that name', () => {
    const schema = { type: 'object', properties: { finite: { type: 'integer', finite: true } }, items: [{ finite: true, type: 'number' }] };
    expect(withoutValidatorKeywords(schema)).toEqual({
      type: 'object',
      properties: { finite: { type: 'integer' } },
      items: [{ type: 'number' }],
    });
  });
});
