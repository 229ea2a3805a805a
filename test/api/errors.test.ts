import { describe, expect, it } from 'vitest';
import { ApiError, invalidParameter, resourceMissing, unauthorized, unknownCursor, validationError } from '../../api/errors.js';
import { stringRules } from '../../api/schemas.js';
import { apiErrors } from '../../core/error-catalogue.js';

// The errors below are what ajv 8 (Fastify's validator, with the options in api/app.ts) reports for
// the Events API's query schemas, copied from its output.
const eventIdPattern = '^evt_[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$';

describe('validationError', () => {
  it('names an unknown parameter', () => {
    const error = validationError([
      {
        instancePath: '',
        keyword: 'additionalProperties',
        params: { additionalProperty: 'colour' },
        message: 'must NOT have additional properties',
      },
    ]);
    expect(error).toBeInstanceOf(ApiError);
    expect(error.statusCode).toBe(400);
    expect(error.toJSON()).toEqual({
      error: { type: 'invalid_request_error', code: 'parameter_unknown', message: 'Received unknown parameter: colour.', param: 'colour' },
    });
  });

  it('names limit when it is below the minimum or above the maximum', () => {
    const below = validationError([
      { instancePath: '/limit', keyword: 'minimum', params: { comparison: '>=', limit: 1 }, message: 'must be >= 1' },
    ]);
    const above = validationError([
      { instancePath: '/limit', keyword: 'maximum', params: { comparison: '<=', limit: 100 }, message: 'must be <= 100' },
    ]);
    for (const error of [below, above]) {
      expect([error.statusCode, error.type, error.code, error.param]).toEqual([
        400,
        'invalid_request_error',
        'parameter_out_of_range',
        'limit',
      ]);
    }
    expect(below.message).toContain('>= 1');
    expect(above.message).toContain('<= 100');
  });

  it('words an out-of-range limit without repeating "must be"', () => {
    const error = validationError([
      { instancePath: '/limit', keyword: 'minimum', params: { comparison: '>=', limit: 1 }, message: 'must be >= 1' },
    ]);
    expect(error.message).not.toContain('must be must be');
  });

  it('says a parameter must be a whole number when an integer is expected', () => {
    const error = validationError([{ instancePath: '/limit', keyword: 'type', params: { type: 'integer' }, message: 'must be integer' }]);
    expect(error.toJSON()).toEqual({
      error: { type: 'invalid_request_error', code: 'parameter_invalid_integer', message: 'limit must be a whole number.', param: 'limit' },
    });
  });

  it('says what a cursor looks like when starting_after does not match the pattern', () => {
    const error = validationError([
      {
        instancePath: '/starting_after',
        keyword: 'pattern',
        params: { pattern: eventIdPattern },
        message: `must match pattern "${eventIdPattern}"`,
      },
    ]);
    expect(error.param).toBe('starting_after');
    expect(error.code).toBe('parameter_invalid');
    expect(error.message).toBe(
      'starting_after must be the id of an item of a previous page (evt_… for events, dst_… for destinations, dlv_… for deliveries).',
    );
  });

  it('names a created[…] bound and says it must be an RFC 3339 time', () => {
    const error = validationError([
      { instancePath: '/created[gte]', keyword: 'pattern', params: { pattern: '^\\d{4}…$' }, message: 'must match pattern "^\\d{4}…$"' },
    ]);
    expect(error.param).toBe('created[gte]');
    expect(error.message).toBe('created[gte] must be an RFC 3339 time such as 2026-11-24T10:30:00Z.');
  });

  it('unescapes ~1 and ~0 in the instance path, in that order', () => {
    const error = validationError([{ instancePath: '/a~1b~0c~01', keyword: 'pattern', params: {}, message: 'must match pattern "x"' }]);
    expect(error.param).toBe('a/b~c~1');
    expect(error.message).toBe('a/b~c~1 must match pattern "x".');
  });

  it('names the parameter, not the item, when an item of a list is invalid', () => {
    const error = validationError([
      { instancePath: '/type/0', keyword: 'minLength', params: { limit: 1 }, message: 'must NOT have fewer than 1 characters' },
    ]);
    expect(error.toJSON()).toEqual({
      error: { type: 'invalid_request_error', code: 'parameter_invalid_empty', message: 'type must not be empty.', param: 'type' },
    });
  });

  it('names a missing required parameter', () => {
    const error = validationError([
      { instancePath: '', keyword: 'required', params: { missingProperty: 'name' }, message: "must have required property 'name'" },
    ]);
    expect([error.param, error.code, error.message]).toEqual(['name', 'parameter_missing', 'Missing required parameter: name.']);
  });

  it('asks for at least one field when an update body is empty', () => {
    const error = validationError([
      { instancePath: '', keyword: 'minProperties', params: { limit: 1 }, message: 'must NOT have fewer than 1 properties' },
    ]);
    expect([error.param, error.code, error.message]).toEqual([undefined, 'parameter_missing', 'Send at least one field to change.']);
  });

  it("falls back to the validator's words for other failures", () => {
    const error = validationError([
      { instancePath: '/type', keyword: 'maxItems', params: { limit: 50 }, message: 'must NOT have more than 50 items' },
    ]);
    expect([error.param, error.code, error.message]).toEqual(['type', 'parameter_invalid', 'type must NOT have more than 50 items.']);
  });

  it('reads only the first error', () => {
    const error = validationError([
      { instancePath: '/limit', keyword: 'type', params: { type: 'integer' }, message: 'must be integer' },
      { instancePath: '', keyword: 'additionalProperties', params: { additionalProperty: 'colour' }, message: 'x' },
    ]);
    expect(error.param).toBe('limit');
  });

  it('answers a bare 400 without a param when there is no error to read', () => {
    expect(validationError([]).toJSON()).toEqual({
      error: { type: 'invalid_request_error', code: 'parameter_invalid', message: 'The request is invalid.' },
    });
  });

  it('says which control characters a string must not contain, by the rule its schema follows', () => {
    const refused = (instancePath: string, keeps: 'none' | 'tab' | 'tab and line breaks') =>
      validationError([
        {
          instancePath,
          keyword: 'pattern',
          params: { pattern: stringRules[keeps].pattern },
          message: `must match pattern "${stringRules[keeps].pattern}"`,
        },
      ]).toJSON();
    expect(refused('/entity_id', 'none')).toEqual({
      error: {
        type: 'invalid_request_error',
        code: 'parameter_invalid',
        message: 'entity_id must not contain control characters (U+0000–U+001F, U+007F) or unpaired surrogates.',
        param: 'entity_id',
      },
    });
    expect(refused('/description', 'tab and line breaks').error.message).toBe(
      'description must not contain control characters other than tab and line breaks (U+0000–U+001F, U+007F) or unpaired surrogates.',
    );
    expect(refused('/webhook/headers/x-team', 'tab').error).toMatchObject({
      param: 'webhook.headers.x-team',
      message: expect.stringContaining('other than tab (') as unknown,
    });
  });

  it('says the names of a record must not contain control characters when a key breaks the rule', () => {
    const error = validationError([
      {
        instancePath: '/webhook/headers',
        keyword: 'pattern',
        params: { pattern: stringRules.none.pattern },
        message: 'must match pattern',
        propertyName: 'x-\u0000',
      },
      {
        instancePath: '/webhook/headers',
        keyword: 'propertyNames',
        params: { propertyName: 'x-\u0000' },
        message: 'property name must be valid',
      },
    ]);
    expect([error.param, error.code, error.message]).toEqual([
      'webhook.headers',
      'parameter_invalid',
      'The names in webhook.headers must not contain control characters (U+0000–U+001F, U+007F) or unpaired surrogates.',
    ]);
  });

  it('refuses a number that is not finite as out of range', () => {
    const error = validationError([
      { instancePath: '/minutes', keyword: 'finite', params: {}, message: 'must pass "finite" keyword validation' },
    ]);
    expect([error.param, error.code, error.message]).toEqual(['minutes', 'parameter_out_of_range', 'minutes must be a finite number.']);
  });

  it('reads past the type failures of a union to the failure that says what is wrong', () => {
    const error = validationError([
      { instancePath: '/description', keyword: 'type', params: { type: 'null' }, message: 'must be null' },
      { instancePath: '/description', keyword: 'pattern', params: { pattern: stringRules['tab and line breaks'].pattern }, message: 'x' },
      { instancePath: '/description', keyword: 'anyOf', params: {}, message: 'must match a schema in anyOf' },
    ]);
    expect([error.param, error.message]).toEqual([
      'description',
      'description must not contain control characters other than tab and line breaks (U+0000–U+001F, U+007F) or unpaired surrogates.',
    ]);
  });

  it('lists the types of a union when every branch failed on its type', () => {
    const error = validationError([
      { instancePath: '/max_concurrency', keyword: 'type', params: { type: 'integer' }, message: 'must be integer' },
      { instancePath: '/max_concurrency', keyword: 'type', params: { type: 'null' }, message: 'must be null' },
      { instancePath: '/max_concurrency', keyword: 'anyOf', params: {}, message: 'must match a schema in anyOf' },
    ]);
    expect([error.param, error.code, error.message]).toEqual([
      'max_concurrency',
      'parameter_invalid_integer',
      'max_concurrency must be a whole number or null.',
    ]);
  });

  it('says in words which type was expected, and that a body must be an object', () => {
    const string = validationError([
      { instancePath: '/webhook/url', keyword: 'type', params: { type: 'string' }, message: 'must be string' },
    ]);
    expect([string.param, string.message]).toEqual(['webhook.url', 'webhook.url must be a string.']);
    const body = validationError([{ instancePath: '', keyword: 'type', params: { type: 'object' }, message: 'must be object' }]);
    expect(body.toJSON()).toEqual({
      error: { type: 'invalid_request_error', code: 'parameter_invalid', message: 'The request body must be an object.' },
    });
  });

  it('names the longest a string may be, and the values an enum allows', () => {
    const long = validationError([{ instancePath: '/entity_id', keyword: 'maxLength', params: { limit: 500 }, message: 'x' }]);
    expect(long.message).toBe('entity_id must be at most 500 characters long.');
    const status = validationError([
      { instancePath: '/status', keyword: 'enum', params: { allowedValues: ['pending', 'failed'] }, message: 'x' },
    ]);
    expect(status.message).toBe('status must be one of pending, failed.');
  });

  it('takes a key as it came, a percent sign included, and shows its controls escaped', () => {
    const percent = validationError([
      { instancePath: '/webhook/headers/a%zz', keyword: 'pattern', params: { pattern: 'x' }, message: 'm' },
    ]);
    expect(percent.param).toBe('webhook.headers.a%zz');
    const unknown = validationError([
      { instancePath: '', keyword: 'additionalProperties', params: { additionalProperty: 'a\u0000\ud800b' }, message: 'x' },
    ]);
    expect([unknown.param, unknown.message]).toEqual(['a\\u0000\\ud800b', 'Received unknown parameter: a\\u0000\\ud800b.']);
    const long = validationError([
      { instancePath: '', keyword: 'additionalProperties', params: { additionalProperty: 'a'.repeat(5000) }, message: 'x' },
    ]);
    expect(long.param).toBe(`${'a'.repeat(200)}…`);
  });

  it('tells what an RFC 3339 time looks like when since is not one', () => {
    const error = validationError([{ instancePath: '/since', keyword: 'format', params: { format: 'date-time' }, message: 'x' }]);
    expect(error.message).toBe('since must be an RFC 3339 time such as 2026-11-24T10:30:00Z.');
  });
});

describe('ApiError.toJSON', () => {
  it('has the shape { error: { type, code, message, param } }', () => {
    const error = new ApiError(400, 'invalid_request_error', 'parameter_invalid', 'limit is wrong.', 'limit');
    expect(error.toJSON()).toStrictEqual({
      error: { type: 'invalid_request_error', code: 'parameter_invalid', message: 'limit is wrong.', param: 'limit' },
    });
  });

  it('omits param when there is none', () => {
    const body = new ApiError(500, 'api_error', 'internal_error', 'Something went wrong.').toJSON();
    expect(body).toStrictEqual({ error: { type: 'api_error', code: 'internal_error', message: 'Something went wrong.' } });
    expect(Object.keys(body.error)).not.toContain('param');
  });

  it('is what JSON.stringify sends: no stack, no status code', () => {
    const error = new ApiError(404, 'invalid_request_error', 'resource_missing', 'No such event.');
    expect(JSON.parse(JSON.stringify(error))).toStrictEqual({
      error: { type: 'invalid_request_error', code: 'resource_missing', message: 'No such event.' },
    });
  });
});

describe('error helpers', () => {
  it('make errors with the status, type and code of their kind', () => {
    const invalid = invalidParameter('q', 'q is wrong.');
    expect([invalid.statusCode, invalid.type, invalid.code, invalid.param]).toEqual([
      400,
      'invalid_request_error',
      'parameter_invalid',
      'q',
    ]);
    const missing = resourceMissing('No such event.', 'id');
    expect([missing.statusCode, missing.type, missing.code, missing.param]).toEqual([
      404,
      'invalid_request_error',
      'resource_missing',
      'id',
    ]);
    const denied = unauthorized('api_key_invalid', 'The API key is not valid.');
    expect([denied.statusCode, denied.type, denied.code, denied.param]).toEqual([
      401,
      'authentication_error',
      'api_key_invalid',
      undefined,
    ]);
  });
});

describe('ApiError and the catalogue', () => {
  it('answers with the status and type the catalogue gives the code', () => {
    const errors = [
      invalidParameter('q', 'q is wrong.'),
      invalidParameter('limit', 'limit is too big.', 'parameter_out_of_range'),
      unknownCursor({ starting_after: 'evt_x' }, 'an event'),
      resourceMissing('No such event.'),
      unauthorized('api_key_missing', 'No key.'),
      unauthorized('api_key_invalid', 'Bad key.'),
      validationError([]),
      validationError([{ instancePath: '/limit', keyword: 'type', params: { type: 'integer' }, message: 'must be integer' }]),
    ];
    for (const error of errors) {
      const entry = apiErrors[error.code];
      expect([error.code, error.statusCode, error.type]).toEqual([error.code, entry.status, entry.type]);
    }
  });

  it('accepts only codes of the catalogue, with their own status and type', () => {
    // @ts-expect-error a code that is not in core/error-catalogue.ts
    expect(new ApiError(400, 'invalid_request_error', 'parameter_typo', 'typo').code).toBe('parameter_typo');
    // @ts-expect-error resource_missing is a 404
    expect(new ApiError(400, 'invalid_request_error', 'resource_missing', 'wrong status').statusCode).toBe(400);
    // @ts-expect-error internal_error is an api_error
    expect(new ApiError(500, 'invalid_request_error', 'internal_error', 'wrong type').type).toBe('invalid_request_error');
    // @ts-expect-error a 409 is not a parameter error
    expect(invalidParameter('id', 'busy', 'delivery_in_flight').code).toBe('delivery_in_flight');
  });
});
