/**
 * What the OpenAPI document says beyond the routes, so a generator makes a usable client: the
 * tags with what each holds, where the API is, its licence, what a webhook destination receives,
 * and every schema with a `title` as a named component (`Event`, `Destination`, …) instead of
 * an anonymous inline type.
 */

export const apiTags = [
  { name: 'events', description: 'Publish events over HTTP, list and retrieve them, follow them live.' },
  { name: 'event types', description: 'The catalogue of event types, from the schemas the pipeline was built with.' },
  { name: 'entities', description: 'The current state of each entity, and the events that brought it there.' },
  { name: 'schemas', description: 'The Avro schemas of each entity in the schema registry, with their versions.' },
  {
    name: 'destinations',
    description:
      'Where events are sent: signed webhooks, Kafka topics, files, RabbitMQ, NATS JetStream, Redis streams, MQTT, S3, SQS and Kinesis.',
  },
  { name: 'deliveries', description: 'Each event sent to each destination, with every attempt.' },
  { name: 'stats', description: 'Events per minute, consumer lag and delivery health.' },
  { name: 'dead letters', description: 'Records the pipeline could not store, with the reason.' },
  { name: 'organization', description: 'Who the API key belongs to and what it may do.' },
];

export const apiServers = [{ url: 'http://127.0.0.1:3000', description: 'The API as `npm start` runs it (API_PORT).' }];

export const apiContact = { name: 'event-pipeline', url: 'http://127.0.0.1:3000/docs' };

export const apiLicense = { name: 'Apache-2.0', identifier: 'Apache-2.0' };

const webhookHeaders = [
  {
    name: 'webhook-id',
    in: 'header' as const,
    required: true,
    description: 'The delivery id (`dlv_…`, or `bat_…` for a batch): the same on every retry, so receivers deduplicate on it.',
    schema: { type: 'string' as const },
  },
  {
    name: 'webhook-timestamp',
    in: 'header' as const,
    required: true,
    description: "This attempt's time, in seconds since the epoch.",
    schema: { type: 'string' as const },
  },
  {
    name: 'webhook-signature',
    in: 'header' as const,
    required: true,
    description:
      '`v1,<base64 HMAC-SHA256>` of `<webhook-id>.<webhook-timestamp>.<body>` under the destination secret (Standard Webhooks); during a rotation a second, space-separated signature under the previous secret.',
    schema: { type: 'string' as const },
  },
];

const webhookResponses = {
  '200': { description: 'Any 2xx within the timeout: delivered.' },
  default: { description: 'Anything else, or no answer in time: the attempt failed and is retried on the schedule.' },
};

/** What a webhook destination is sent (OpenAPI 3.1 `webhooks`). */
export const apiWebhooks = {
  event: {
    post: {
      operationId: 'receiveEvent',
      summary: 'An event, as a webhook destination receives it',
      description: 'A JSON POST of the event object, signed with the destination secret (Standard Webhooks).',
      tags: ['destinations'],
      parameters: webhookHeaders,
      requestBody: { required: true, content: { 'application/json': { schema: { $ref: '#/components/schemas/Event' } } } },
      responses: webhookResponses,
    },
  },
  eventBatch: {
    post: {
      operationId: 'receiveEventBatch',
      summary: 'Events in one batch, as a webhook destination with `batch` set receives them',
      tags: ['destinations'],
      parameters: webhookHeaders,
      requestBody: {
        required: true,
        content: { 'application/json': { schema: { type: 'array' as const, items: { $ref: '#/components/schemas/Event' } } } },
      },
      responses: webhookResponses,
    },
  },
};

type Json = unknown;

/**
 * Keywords the API's validator knows and OpenAPI does not (`finite`, see core/request-schemas.ts):
 * they check requests, so they are left out of the published document.
 */
const validatorKeywords = new Set(['finite']);

/** The document without validator-only keywords; `properties` keep every name, whatever it is. */
export function withoutValidatorKeywords(value: Json, inProperties = false): Json {
  if (Array.isArray(value)) return value.map((item) => withoutValidatorKeywords(item));
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([key]) => inProperties || !validatorKeywords.has(key))
      .map(([key, inner]) => [key, withoutValidatorKeywords(inner, !inProperties && key === 'properties')]),
  );
}

/**
 * Moves every schema with a `title` into `components.schemas` under that title and puts a `$ref`
 * in its place; two different schemas under one title keep the second inline and are reported,
 * so a test sees it.
 */
export function hoistNamedSchemas(document: Record<string, unknown>): { document: Record<string, unknown>; clashes: string[] } {
  const named = new Map<string, string>();
  const components: Record<string, Json> = {};
  const clashes: string[] = [];
  const visit = (value: Json): Json => {
    if (Array.isArray(value)) return value.map(visit);
    if (typeof value !== 'object' || value === null) return value;
    const entries = Object.entries(value).map(([key, inner]) => [key, visit(inner)] as const);
    const object = Object.fromEntries(entries) as Record<string, Json>;
    const title = object['title'];
    if (typeof title !== 'string' || !/^[A-Z][A-Za-z0-9]*$/.test(title)) return object;
    const text = JSON.stringify(object);
    const known = named.get(title);
    if (known !== undefined && known !== text) {
      clashes.push(title);
      return object;
    }
    named.set(title, text);
    components[title] = object;
    return { $ref: `#/components/schemas/${title}` };
  };
  const { components: existing, ...rest } = document;
  const visited = visit(rest) as Record<string, unknown>;
  const others = (existing ?? {}) as Record<string, unknown>;
  return {
    document: { ...visited, components: { ...others, schemas: { ...(others['schemas'] as object | undefined), ...components } } },
    clashes,
  };
}
