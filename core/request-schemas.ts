import { Type, type TNumberOptions, type TSchemaOptions, type TStringOptions } from 'typebox';

/**
 * The request strings, integers and records every request schema is built of (the API's, and the
 * destination types' settings in destinations/): what PostgreSQL can store and ajv can check.
 */

/**
 * Which whitespace controls a request string may hold. PostgreSQL cannot store NUL in text and
 * refuses `\u0000` and unpaired surrogates in jsonb (the driver would turn an unpaired surrogate
 * in text into U+FFFD without a word), and no id, name, URL or path has a use for the other C0
 * controls or DEL. Free text keeps tab and line breaks; a header value keeps tab, never CR or LF.
 * ajv compiles patterns with the `u` flag, so a surrogate pair is one code point and only an
 * unpaired surrogate falls in \ud800-\udfff.
 */
export type KeptWhitespace = 'none' | 'tab' | 'tab and line breaks';

/** The pattern of each kind of string and what the 400 says a string of that kind must not hold (errors.ts). */
export const stringRules: Readonly<Record<KeptWhitespace, { readonly pattern: string; readonly rule: string }>> = {
  none: {
    pattern: '^[^\\u0000-\\u001f\\u007f\\ud800-\\udfff]*$',
    rule: 'must not contain control characters (U+0000–U+001F, U+007F) or unpaired surrogates',
  },
  tab: {
    pattern: '^[^\\u0000-\\u0008\\u000a-\\u001f\\u007f\\ud800-\\udfff]*$',
    rule: 'must not contain control characters other than tab (U+0000–U+001F, U+007F) or unpaired surrogates',
  },
  'tab and line breaks': {
    pattern: '^[^\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f\\u007f\\ud800-\\udfff]*$',
    rule: 'must not contain control characters other than tab and line breaks (U+0000–U+001F, U+007F) or unpaired surrogates',
  },
};

/** A request string that PostgreSQL can store and that holds no controls beyond `keeps`; every free-form request string is one. */
export const SafeString = (options: Omit<TStringOptions, 'pattern'> = {}, keeps: KeptWhitespace = 'none') =>
  Type.String({ ...options, pattern: stringRules[keeps].pattern });

/**
 * A request integer. ajv's coercion turns the text `Infinity` or `1e400` into Infinity without
 * checking the type again, and minimum and maximum skip a number that is not finite: the
 * `finite` keyword (addRequestKeywords) is what keeps it from the handler and from SQL.
 */
/** A PEM text (certificates, a key): line breaks kept, at most 64 KiB (a long chain fits). */
export const Pem = (description: string) => SafeString({ minLength: 1, maxLength: 65_536, description }, 'tab and line breaks');

/** A setting that may be a PEM text, or null to go back to the default (the system's CAs, no client certificate). */
export const OptionalPem = (description: string) => Type.Optional(Type.Union([Pem(description), Type.Null()]));

export const SafeInteger = (options: TNumberOptions = {}) => Type.Integer({ ...options, finite: true });

/**
 * A record of request strings whose keys are SafeStrings too. TypeBox's Record checks the values
 * of the keys matching `^.*$`, which a key with a line break does not; `additionalProperties`
 * checks every value.
 */
export const SafeRecord = (value: ReturnType<typeof SafeString>, options: TSchemaOptions = {}) =>
  Type.Unsafe<Record<string, string>>({
    ...options,
    type: 'object',
    propertyNames: { pattern: stringRules.none.pattern },
    additionalProperties: value,
  });
