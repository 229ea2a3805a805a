import { destinationKinds, type DestinationTypeName } from '../../destinations/index.js';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiStack } from '../api/setup.js';
import { sampleData } from '../harness/samples.js';
import { useTestContext } from '../harness/index.js';

/**
 * Hostile input against every operation /openapi.json describes: each query, path and header
 * parameter and each body field (nested ones too) gets every value of a fixed list, one at a
 * time, in an otherwise valid request. Whatever the value, the answer is never a 5xx, a 4xx is
 * exactly the API's error shape and a 2xx is JSON. The lists are fixed, so a failure replays.
 */

const ctx = useTestContext('security_fuzz');
const organizationId = 'org_fuzz';
let stack: Awaited<ReturnType<typeof startApiStack>>;
let key: string;
type DestinationType = DestinationTypeName;
/** What path ids name: an event, a destination and a delivery of the organization; one destination of each type to update, one to delete. */
const ids = { event: '', destination: '', patched: {} as Record<DestinationType, string>, deleted: '', delivery: '' };
/** How the API answered the creation of the destinations above, by type. */
const made: Partial<Record<DestinationType, number>> = {};

/** A string value: `text` as sent in a header and percent-encoded in a URL, or `raw` bytes already encoded (for what has no text form). */
interface TextCase {
  readonly label: string;
  readonly text?: string;
  readonly raw?: string;
}

const textCases: readonly TextCase[] = [
  { label: 'NUL', text: '\u0000' },
  { label: 'NUL inside', text: 'inv\u0000_1' },
  { label: 'SOH', text: '\u0001' },
  { label: 'unit separator', text: 'a\u001fb' },
  { label: 'DEL', text: '\u007f' },
  { label: 'tab', text: 'a\tb' },
  { label: 'CR LF', text: '\r\n' },
  { label: 'header injection', text: 'x\r\nSet-Cookie: a=b' },
  { label: '8 KiB string', text: 'a'.repeat(8192) },
  { label: 'Infinity', text: 'Infinity' },
  { label: '-Infinity', text: '-Infinity' },
  { label: 'NaN', text: 'NaN' },
  { label: '1e400', text: '1e400' },
  { label: '-1e400', text: '-1e400' },
  { label: '-1', text: '-1' },
  { label: '0', text: '0' },
  { label: '-0', text: '-0' },
  { label: '1.5', text: '1.5' },
  { label: 'hex', text: '0x10' },
  { label: 'long number', text: '9'.repeat(400) },
  { label: 'huge integer', text: '123456789012345678901234567890' },
  { label: 'empty', text: '' },
  { label: 'space', text: ' ' },
  { label: 'RTL override', text: '\u202eabc' },
  { label: 'BOM', text: '\ufeff' },
  { label: 'emoji', text: '😀' },
  { label: 'path traversal', text: '../../etc/passwd' },
  { label: 'commas', text: ',,,' },
  { label: 'SQL', text: "' or 1=1 --" },
  { label: 'LIKE wildcards', text: '%_%' },
  { label: 'JSON', text: '{"a":1}' },
  { label: 'nested arrays', text: '[[[]]]' },
  { label: 'lone percent', raw: '%' },
  { label: 'bad escape', raw: '%zz' },
  { label: 'lone high surrogate', raw: '%ED%A0%80' },
  { label: 'lone low surrogate', raw: '%ED%B0%80' },
  { label: 'overlong NUL', raw: '%C0%80' },
  { label: 'invalid UTF-8', raw: '%FF%FE' },
];

/** Body values as JSON text: what JSON.stringify cannot write (1e400, a lone surrogate) is written by hand. */
const jsonCases: readonly { readonly label: string; readonly json: string }[] = [
  { label: 'NUL', json: '"\\u0000"' },
  { label: 'NUL inside', json: '"a\\u0000b"' },
  { label: 'SOH', json: '"\\u0001"' },
  { label: 'DEL', json: '"\\u007f"' },
  { label: 'tab', json: '"a\\tb"' },
  { label: 'CR LF', json: '"\\r\\n"' },
  { label: 'header injection', json: '"x\\r\\nSet-Cookie: a=b"' },
  { label: '1 MB string', json: JSON.stringify('a'.repeat(1_000_000)) },
  { label: 'lone high surrogate', json: '"\\ud800"' },
  { label: 'lone low surrogate', json: '"a\\udc00"' },
  { label: 'RTL override', json: '"\\u202eabc"' },
  { label: 'emoji', json: '"😀"' },
  { label: 'Infinity as text', json: '"Infinity"' },
  { label: '-Infinity as text', json: '"-Infinity"' },
  { label: 'NaN as text', json: '"NaN"' },
  { label: '1e400 as text', json: '"1e400"' },
  { label: '1e400', json: '1e400' },
  { label: '-1e400', json: '-1e400' },
  { label: '-1', json: '-1' },
  { label: '0', json: '0' },
  { label: '-0', json: '-0' },
  { label: '1.5', json: '1.5' },
  { label: '1e308', json: '1e308' },
  { label: 'long number', json: '9'.repeat(400) },
  { label: 'empty string', json: '""' },
  { label: 'nested arrays', json: '[[[]]]' },
  { label: 'empty array', json: '[]' },
  { label: 'array of NUL', json: '["\\u0000"]' },
  { label: 'object', json: '{"a":"b"}' },
  { label: 'empty object', json: '{}' },
  { label: 'null', json: 'null' },
  { label: 'true', json: 'true' },
  { label: '__proto__', json: '{"__proto__":{"polluted":true}}' },
  { label: 'constructor.prototype', json: '{"constructor":{"prototype":{"polluted":true}}}' },
  { label: 'prototype key', json: '{"prototype":{"polluted":true}}' },
  { label: 'NUL key', json: '{"a\\u0000":"b"}' },
  { label: 'lone surrogate key', json: '{"\\ud800":"b"}' },
  { label: 'percent key', json: '{"a%zz":"\\u0000"}' },
];

/** Bodies that are wrong as a whole. */
const wholeBodies: readonly { readonly label: string; readonly body: string; readonly type?: string }[] = [
  { label: 'nested arrays', body: '[[[]]]' },
  { label: 'a string', body: '"body"' },
  { label: 'null', body: 'null' },
  { label: 'a number', body: '1e400' },
  { label: 'truncated JSON', body: '{"a":' },
  { label: 'empty', body: '' },
  { label: '2 MB', body: JSON.stringify({ description: 'a'.repeat(2_000_000) }) },
  { label: 'not JSON', body: 'type=webhook', type: 'application/x-www-form-urlencoded' },
];

const errorTypes = ['invalid_request_error', 'authentication_error', 'api_error'];

interface Operation {
  readonly method: string;
  readonly path: string;
  readonly parameters: readonly { readonly in: string; readonly name: string; readonly required?: boolean }[];
  readonly body?: JsonSchema;
}

interface JsonSchema {
  readonly type?: string;
  readonly properties?: Record<string, JsonSchema>;
  readonly items?: JsonSchema;
  readonly additionalProperties?: JsonSchema | boolean;
  readonly anyOf?: readonly JsonSchema[];
}

interface Attempt {
  readonly label: string;
  readonly method: string;
  readonly path: string;
  readonly query?: string;
  readonly headers?: Record<string, string>;
  readonly body?: string;
  readonly type?: string;
}

beforeAll(async () => {
  stack = await startApiStack(ctx);
  key = await stack.key(organizationId);
  await stack.publish('invoice.created', organizationId, 'inv_fuzz');
  await stack.settled(organizationId, 1);
  ids.event = ((await call('GET', '/api/v1/events')).body as { data: { id: string }[] }).data[0]?.id ?? '';
  const create = async (type: DestinationType = 'webhook') => {
    const created = await call('POST', '/api/v1/destinations', baseBody(type));
    made[type] = created.status;
    return (created.body as { id?: string }).id ?? '';
  };
  [ids.destination, ids.deleted] = [await create(), await create()];
  for (const type of destinationKinds.map((kind) => kind.name)) ids.patched[type] = await create(type);
  const sent = await call('POST', `/api/v1/destinations/${ids.destination}/test`, { event_type: 'invoice.created' });
  ids.delivery = (sent.body as { id: string }).id;
});

afterAll(async () => {
  await stack?.stop();
});

async function call(method: string, path: string, body?: unknown): Promise<{ status: number; body: unknown }> {
  const response = await fetch(`${stack.api.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, body: await response.json() };
}

function baseBody(type: DestinationType): Record<string, unknown> {
  const aws = { region: 'us-east-1', endpoint: 'http://127.0.0.1:9', access_key_id: 'fuzz', secret_access_key: 'fuzz-secret' };
  const settings = {
    webhook: {
      url: 'http://127.0.0.1:9/hooks',
      headers: { 'x-team': 'fuzz' },
      timeout_ms: 5000,
      batch: { max_events: 10, max_wait_ms: 100 },
    },
    kafka: { brokers: [...ctx.endpoints.kafkaBrokers], topic: 'fuzz' },
    file: { directory: 'fuzz/exports', rotate_bytes: 4096 },
    s3: {
      bucket: 'fuzz-bucket',
      ...aws,
      key_template: '{entity_type}/{yyyy}/',
      gzip: true,
      force_path_style: true,
      max_events: 10,
      max_wait_ms: 100,
    },
    sqs: { queue_url: 'http://127.0.0.1:9/000000000000/fuzz', ...aws },
    kinesis: { stream_name: 'fuzz', ...aws },
    redis: { url: 'redis://127.0.0.1:9/0', stream: 'fuzz:{entity_type}', max_len: 100, username: 'fuzz', password: 'fuzz-password' },
    mqtt: { url: 'mqtt://127.0.0.1:9', topic: 'fuzz/{entity_type}', username: 'fuzz', password: 'fuzz-password' },
    amqp: { url: 'amqp://127.0.0.1:5672/', password: 'fuzz', exchange: 'fuzz', routing_key: 'fuzz.{type}' },
    nats: { servers: ['nats://127.0.0.1:4222'], subject: 'fuzz.{type}', user: 'fuzz', password: 'fuzz' },
  } satisfies Record<DestinationType, Record<string, unknown>>;
  return {
    type,
    description: 'fuzz',
    active: true,
    event_types: ['invoice.*'],
    severities: ['info'],
    entity_types: ['invoice'],
    ordering: 'none',
    max_concurrency: 2,
    rate_limit_per_second: 5,
    retry_schedule_ms: [0, 1000],
    [type]: settings[type],
  };
}

/** An invoice to publish over HTTP, its values as JSON carries them. */
function publishable(): Record<string, unknown> {
  const data = JSON.parse(JSON.stringify({ ...sampleData('invoice', 'inv_fuzz'), organization_id: 'org_fuzz' })) as Record<string, unknown>;
  return { type: 'invoice.created', data };
}

/** A valid body for each operation that takes one; the fuzzed field is replaced in it. */
function validBody(operation: Operation, field: readonly (string | number)[]): Record<string, unknown> {
  const route = `${operation.method} ${operation.path}`;
  if (route === 'POST /api/v1/destinations') return baseBody(destinationTypeOf(field));
  if (route === 'PATCH /api/v1/destinations/{id}') {
    const { type: _type, ...rest } = baseBody(destinationTypeOf(field));
    return rest;
  }
  if (route.endsWith('/replay')) return { since: new Date(Date.now() - 3_600_000).toISOString(), status: 'all' };
  if (route.endsWith('/test')) return { event_type: 'invoice.created' };
  if (route.endsWith('/rotate-secret')) return { grace_period_hours: 1 };
  if (route === 'POST /api/v1/events') return publishable();
  if (route === 'POST /api/v1/events/batch') return { events: [publishable()] };
  throw new Error(`No valid body for ${route}: add one to validBody`);
}

/** The type of destination whose settings `field` is in: a kafka or file field is sent to one of that type. */
function destinationTypeOf(field: readonly (string | number)[]): DestinationType {
  return destinationKinds.find((kind) => kind.name === field[0])?.name ?? 'webhook';
}

/** The value of a path parameter that names something that exists, so the request reaches the store. */
function validPathValue(operation: Operation, name: string, field: readonly (string | number)[]): string {
  if (name === 'id') {
    if (operation.path.startsWith('/api/v1/events')) return ids.event;
    if (operation.path.startsWith('/api/v1/deliveries')) return ids.delivery;
    // A type whose destination could not be made (a test above says so) is sent to the webhook's.
    if (operation.method === 'PATCH') return ids.patched[destinationTypeOf(field)] || (ids.patched.webhook ?? '');
    if (operation.method === 'DELETE') return ids.deleted;
    return ids.destination;
  }
  const known: Record<string, string> = { entity_type: 'invoice', entity_id: 'inv_fuzz', entity: 'invoice', version: '1' };
  const value = known[name];
  if (value === undefined) throw new Error(`No valid value for path parameter ${name} of ${operation.path}`);
  return value;
}

/** Every field of a body schema, nested ones and list items included, as paths. */
function bodyFields(schema: JsonSchema, prefix: readonly (string | number)[] = []): (string | number)[][] {
  const fields: (string | number)[][] = [];
  for (const branch of schema.anyOf ?? [schema]) {
    for (const [name, property] of Object.entries(branch.properties ?? {})) {
      fields.push([...prefix, name], ...bodyFields(property, [...prefix, name]));
    }
    if (branch.items !== undefined) fields.push([...prefix, 0], ...bodyFields(branch.items, [...prefix, 0]));
    if (typeof branch.additionalProperties === 'object') fields.push([...prefix, 'x-fuzz']);
  }
  const seen = new Set<string>();
  return fields.filter((field) => !seen.has(field.join('.')) && seen.add(field.join('.')));
}

const marker = '"\u2063fuzz\u2063"';

/** `body` as JSON with the value at `field` replaced by the JSON text `json` (containers made on the way). */
function withField(body: Record<string, unknown>, field: readonly (string | number)[], json: string): string {
  const copy = structuredClone(body);
  let node: Record<string | number, unknown> = copy;
  field.forEach((segment, index) => {
    if (index === field.length - 1) {
      node[segment] = JSON.parse(marker);
      return;
    }
    const next = field[index + 1];
    const child = node[segment];
    if (typeof child !== 'object' || child === null) node[segment] = typeof next === 'number' ? [] : {};
    node = node[segment] as Record<string | number, unknown>;
  });
  return JSON.stringify(copy).replace(marker, () => json);
}

function attemptsOf(operation: Operation): Attempt[] {
  const attempts: Attempt[] = [];
  const pathOf = (values: Record<string, string>, field: readonly (string | number)[] = []) =>
    operation.path.replace(
      /\{([^}]+)\}/g,
      (_match, name: string) => values[name] ?? encodeURIComponent(validPathValue(operation, name, field)),
    );
  const required = operation.parameters.filter((parameter) => parameter.in === 'query' && parameter.required);
  const requiredQuery = required.map((parameter) => `${parameter.name}=invoice`);
  const base = {
    method: operation.method,
    ...(operation.body === undefined ? {} : { body: JSON.stringify(validBody(operation, [])), type: 'application/json' }),
  };
  for (const parameter of operation.parameters) {
    for (const value of textCases) {
      const label = `${operation.method} ${operation.path} ${parameter.in} ${parameter.name} = ${value.label}`;
      const encoded = value.raw ?? encodeURIComponent(value.text ?? '');
      if (parameter.in === 'query') {
        const others = requiredQuery.filter((pair) => !pair.startsWith(`${parameter.name}=`));
        attempts.push({ ...base, label, path: pathOf({}), query: [...others, `${parameter.name}=${encoded}`].join('&') });
      } else if (parameter.in === 'path') {
        attempts.push({ ...base, label, path: pathOf({ [parameter.name]: encoded }), query: requiredQuery.join('&') });
      } else if (parameter.in === 'header') {
        // The bytes a client would send: the text's UTF-8, or the raw value's escapes decoded.
        const bytes =
          value.text === undefined
            ? (value.raw ?? '').replace(/%([0-9a-f]{2})/gi, (_match, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)))
            : Buffer.from(value.text, 'utf8').toString('latin1');
        attempts.push({ ...base, label, path: pathOf({}), query: requiredQuery.join('&'), headers: { [parameter.name]: bytes } });
      }
    }
  }
  // Unknown and hostile parameter names, and a parameter given twice.
  for (const name of [
    '%00',
    'x%0D%0Ay',
    '__proto__',
    'constructor',
    '%ED%A0%80',
    ...required.map((parameter) => parameter.name),
    'limit',
  ]) {
    const query = [...requiredQuery, `${name}=1`, `${name}=2`].join('&');
    attempts.push({ ...base, label: `${operation.method} ${operation.path} query ${name} twice`, path: pathOf({}), query });
  }
  if (operation.body !== undefined) {
    for (const field of bodyFields(operation.body)) {
      const valid = validBody(operation, field);
      for (const value of jsonCases) {
        const label = `${operation.method} ${operation.path} body ${field.join('.')} = ${value.label}`;
        attempts.push({ ...base, label, path: pathOf({}, field), body: withField(valid, field, value.json) });
      }
    }
    const valid = JSON.stringify(validBody(operation, []));
    for (const key of ['__proto__', 'constructor', 'prototype']) {
      const body = `{"${key}":{"prototype":{"polluted":true},"polluted":true},${valid.slice(1)}`;
      attempts.push({ ...base, label: `${operation.method} ${operation.path} body key ${key}`, path: pathOf({}), body });
    }
    for (const whole of wholeBodies) {
      const label = `${operation.method} ${operation.path} body ${whole.label}`;
      attempts.push({ ...base, label, path: pathOf({}), body: whole.body, type: whole.type ?? 'application/json' });
    }
  }
  return attempts;
}

interface Answer {
  readonly status: number;
  readonly contentType: string;
  /** The body; undefined for an event stream, which never ends and is not read. */
  readonly text: string | undefined;
}

async function send(attempt: Attempt): Promise<Answer> {
  const controller = new AbortController();
  const target = `${attempt.path}${attempt.query ? `?${attempt.query}` : ''}`;
  if (attempt.headers !== undefined) return sendRaw(target, attempt.headers);
  const response = await fetch(`${stack.api.url}${target}`, {
    method: attempt.method,
    headers: { authorization: `Bearer ${key}`, ...(attempt.type ? { 'content-type': attempt.type } : {}) },
    ...(attempt.body === undefined ? {} : { body: attempt.body }),
    signal: controller.signal,
  });
  const contentType = response.headers.get('content-type') ?? '';
  if (contentType.startsWith('text/event-stream')) {
    controller.abort();
    return { status: response.status, contentType, text: undefined };
  }
  return { status: response.status, contentType, text: await response.text() };
}

/**
 * A GET with extra headers written as bytes on a socket: fetch refuses to send NUL, CR, LF or
 * other controls in a header, and a hostile client is not so polite.
 */
function sendRaw(target: string, headers: Record<string, string>): Promise<Answer> {
  const lines = Object.entries(headers).map(([name, value]) => `${name}: ${value}\r\n`);
  const request = `GET ${target} HTTP/1.1\r\nhost: 127.0.0.1\r\nauthorization: Bearer ${key}\r\nconnection: close\r\n${lines.join('')}\r\n`;
  return new Promise((resolve, reject) => {
    const socket = net.connect(stack.api.port, '127.0.0.1', () => socket.write(request, 'latin1'));
    let received = Buffer.alloc(0);
    const answer = (): Answer | undefined => {
      const text = received.toString('utf8');
      const head = text.indexOf('\r\n\r\n');
      if (head < 0) return undefined;
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1]);
      const contentType = /^content-type: *(.*)$/im.exec(text.slice(0, head))?.[1]?.trim() ?? '';
      return { status, contentType, text: contentType.startsWith('text/event-stream') ? undefined : text.slice(head + 4) };
    };
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      const early = answer();
      if (early?.text === undefined && early !== undefined) {
        socket.destroy();
        resolve(early);
      }
    });
    socket.on('close', () => {
      const final = answer();
      if (final === undefined) reject(new Error(`the connection closed without an answer (${received.length} bytes)`));
      else resolve(final);
    });
    socket.on('error', () => undefined);
  });
}

/** What is wrong with the answer to `attempt`; undefined when nothing is. */
async function judge(attempt: Attempt): Promise<string | undefined> {
  let answer: Answer;
  try {
    answer = await send(attempt);
  } catch (error) {
    return `no answer: ${String(error)}`;
  }
  const { status, contentType, text } = answer;
  if (text === undefined) return status === 200 ? undefined : `${status} as an event stream`;
  if (status >= 500) return `${status}: ${text.slice(0, 300)}`;
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return `${status} with a body that is not JSON (${contentType}): ${text.slice(0, 200)}`;
  }
  if (status >= 200 && status < 300) {
    // Destinations made by accepted values are deleted, so the organization never reaches its limit of destinations.
    if (attempt.method === 'POST' && attempt.path === '/api/v1/destinations') {
      await call('DELETE', `/api/v1/destinations/${(body as { id: string }).id}`);
    }
    return contentType.startsWith('application/json') ? undefined : `2xx as ${contentType}`;
  }
  if (status < 400) return `unexpected ${status}`;
  const problem = errorShapeProblem(body);
  return problem === undefined ? undefined : `${status} ${problem}: ${text.slice(0, 300)}`;
}

function errorShapeProblem(body: unknown): string | undefined {
  if (typeof body !== 'object' || body === null || Object.keys(body).join() !== 'error') return 'is not { error }';
  const error = (body as { error: unknown }).error;
  if (typeof error !== 'object' || error === null) return 'has no error object';
  const { type, code, message, param, ...rest } = error as Record<string, unknown>;
  if (Object.keys(rest).length > 0) return `has extra fields ${Object.keys(rest).join(', ')}`;
  if (typeof type !== 'string' || !errorTypes.includes(type)) return `has type ${String(type)}`;
  if (typeof code !== 'string' || typeof message !== 'string') return 'lacks a string code or message';
  if (param !== undefined && typeof param !== 'string') return 'has a param that is not a string';
  return undefined;
}

/** Runs `attempts` a few at a time and returns the problems found, each with its request. */
async function runAll(attempts: readonly Attempt[], concurrency = 4): Promise<string[]> {
  const problems: string[] = [];
  let next = 0;
  const worker = async () => {
    while (next < attempts.length) {
      const attempt = attempts[next++] as Attempt;
      const problem = await judge(attempt);
      if (problem !== undefined) problems.push(`${attempt.label}: ${problem}`);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return problems;
}

async function operations(): Promise<Operation[]> {
  const spec = (await (await fetch(`${stack.api.url}/openapi.json`)).json()) as {
    paths: Record<
      string,
      Record<string, { parameters?: Operation['parameters']; requestBody?: { content: Record<string, { schema: JsonSchema }> } }>
    >;
  };
  return Object.entries(spec.paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, operation]) => {
      const body = operation.requestBody?.content['application/json']?.schema;
      return { method: method.toUpperCase(), path, parameters: operation.parameters ?? [], ...(body === undefined ? {} : { body }) };
    }),
  );
}

describe('the API under bad input', () => {
  const controls = 'must not contain control characters (U+0000–U+001F, U+007F) or unpaired surrogates.';
  const refused = (body: unknown) => (body as { error: { code: string; param?: string; message: string } }).error;

  it('refuses a NUL in a filter, a path id or request_id with a 400 naming the parameter', async () => {
    for (const [path, param] of [
      ['/api/v1/events?entity_id=%00', 'entity_id'],
      ['/api/v1/events?request_id=%00', 'request_id'],
      ['/api/v1/entities/invoice/%00', 'entity_id'],
      ['/api/v1/deliveries?event_id=%00', 'event_id'],
    ] as const) {
      const answer = await call('GET', path);
      expect([path, answer.status, refused(answer.body)]).toEqual([
        path,
        400,
        { type: 'invalid_request_error', code: 'parameter_invalid', param, message: `${param} ${controls}` },
      ]);
    }
  });

  it('refuses a limit or minutes that is not finite as out of range', async () => {
    for (const [path, param] of [
      ['/api/v1/events?limit=Infinity', 'limit'],
      ['/api/v1/events?limit=-Infinity', 'limit'],
      ['/api/v1/destinations?limit=1e400', 'limit'],
      ['/api/v1/stats/events?minutes=1e400', 'minutes'],
    ] as const) {
      const answer = await call('GET', path);
      expect([path, answer.status, refused(answer.body).code, refused(answer.body).param]).toEqual([
        path,
        400,
        'parameter_out_of_range',
        param,
      ]);
    }
  });

  it('refuses a NUL in a description, webhook.url, a header value or file.directory', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ ...baseBody('webhook'), description: 'billing\u0000' }, 'description'],
      [{ ...baseBody('webhook'), webhook: { url: 'http://127.0.0.1:9/hooks\u0000' } }, 'webhook.url'],
      [
        { ...baseBody('webhook'), webhook: { url: 'http://127.0.0.1:9/hooks', headers: { 'x-team': 'a\u0000' } } },
        'webhook.headers.x-team',
      ],
      [{ ...baseBody('file'), file: { directory: 'exports\u0000' } }, 'file.directory'],
    ];
    for (const [body, param] of cases) {
      const answer = await call('POST', '/api/v1/destinations', body);
      expect([param, answer.status, refused(answer.body).code, refused(answer.body).param]).toEqual([
        param,
        400,
        'parameter_invalid',
        param,
      ]);
      expect(refused(answer.body).message).toContain('must not contain control characters');
    }
    const renamed = await call('PATCH', `/api/v1/destinations/${ids.patched.webhook}`, { webhook: { headers: { 'x-\u0000': 'a' } } });
    expect([renamed.status, refused(renamed.body).param]).toEqual([400, 'webhook.headers']);
  });

  it('keeps tab and line breaks in a description and refuses them in an identifier', async () => {
    const described = await call('POST', '/api/v1/destinations', { ...baseBody('webhook'), description: 'billing\n\tteam' });
    expect([described.status, (described.body as { description: string }).description]).toEqual([201, 'billing\n\tteam']);
    const typed = await call('POST', '/api/v1/destinations', { ...baseBody('webhook'), event_types: ['invoice.*\t'] });
    expect([typed.status, refused(typed.body).param]).toEqual([400, 'event_types']);
  });

  it('refuses settings a destination does not have when it is updated', async () => {
    const answer = await call('PATCH', `/api/v1/destinations/${ids.patched.webhook}`, { webhook: { colour: 'red' } });
    expect([answer.status, refused(answer.body).code, refused(answer.body).param]).toEqual([400, 'parameter_unknown', 'webhook.colour']);
  });
});

describe('the API under hostile input', () => {
  it('has an event, a delivery and a destination of each type for path ids to name', () => {
    expect([ids.event, ids.delivery, made]).toEqual([
      expect.stringMatching(/^evt_/),
      expect.stringMatching(/^dlv_/),
      Object.fromEntries(destinationKinds.map((kind) => [kind.name, 201])),
    ]);
  });

  it('answers every parameter and body field of every operation with a 4xx in the error shape or a JSON 2xx, never a 5xx', async () => {
    const all = await operations();
    expect(all.length).toBeGreaterThan(20);
    const attempts = all.flatMap(attemptsOf);
    const problems = await runAll(attempts);
    expect(problems.slice(0, 40), `${problems.length} of ${attempts.length} requests answered wrongly`).toEqual([]);
    // Nothing polluted the prototype of the process the API runs in.
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    expect((await call('GET', '/api/v1/organization')).status).toBe(200);
  });

  it('answers a request line of 1 MB with a 431 in the error shape, or closes the connection', async () => {
    const problem = await judge({ label: '1 MB query', method: 'GET', path: '/api/v1/events', query: `q=${'a'.repeat(1_000_000)}` });
    if (problem !== undefined) expect(problem).toMatch(/^no answer: .*fetch failed/);
    expect((await call('GET', '/api/v1/organization')).status).toBe(200);
  });
});
