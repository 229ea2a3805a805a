import { Value } from 'typebox/value';
import { describe, expect, it } from 'vitest';
import { destinationSchemas } from '../../api/destination-schemas.js';
import { destinationBody, destinationsCommand } from '../../cli/destinations.js';
import { destinationKinds } from '../../destinations/index.js';
import { readEntitySchemas } from '../../schemas/catalogue.js';
import { checkSettings, serverKinds, startSenders, type SenderEnvironment } from '../../destinations/server.js';
import { createTestLogger } from '../harness/log-sink.js';
import { memory } from './memory/kind.js';
import { kept, memoryServer } from './memory/server.js';

const kinds = [...destinationKinds, memory] as const;

describe('destination type registry', () => {
  it('a type registered only in a test gets the API request and answer schemas', () => {
    const { CreateDestination, UpdateDestination, Destination } = destinationSchemas(kinds);
    expect(CreateDestination).toMatchObject({ properties: { type: { enum: [...destinationKinds.map((kind) => kind.name), 'memory'] } } });
    expect(Value.Check(CreateDestination, { type: 'memory', event_types: ['*'], memory: { bucket: 'b1', capacity: 10 } })).toBe(true);
    expect(Value.Check(CreateDestination, { type: 'memory', event_types: ['*'], memory: { bucket: 7 } })).toBe(false);
    expect(Value.Check(CreateDestination, { type: 'memory', event_types: ['*'], memory: { bucket: 'b1', size: 1 } })).toBe(false);
    expect(Value.Check(UpdateDestination, { memory: { capacity: 5 } })).toBe(true);
    expect(Value.Check(UpdateDestination, { memory: { capacity: 0 } })).toBe(false);
    const answer = {
      id: 'dst_0193a5c4-0000-7000-8000-000000000000',
      object: 'destination',
      type: 'memory',
      description: null,
      active: true,
      event_types: ['*'],
      severities: null,
      entity_types: null,
      ordering: 'none',
      max_concurrency: null,
      rate_limit_per_second: null,
      retry_schedule_ms: null,
      filter: null,
      payload: 'event',
      memory: { bucket: 'b1' },
      previous_secret_expires_at: null,
      disabled_reason: null,
      disabled_at: null,
      failing_since: null,
      alerts: { after_failures: null, after_ms: null, raised_at: null },
      created_at: '2026-12-05T10:00:00.000Z',
      updated_at: '2026-12-05T10:00:00.000Z',
    };
    expect(Value.Check(Destination, answer)).toBe(true);
    expect(Value.Check(destinationSchemas(destinationKinds).Destination, answer)).toBe(false);
  });

  it("a type registered only in a test gets the API's checks of its settings", async () => {
    const context = {
      organizationId: 'org_1',
      allowedHosts: new Set<string>(),
      kafkaBrokerPolicy: policy,
      fileRoot: undefined,
      subscribed: noFields,
    };
    const all = [...serverKinds, memoryServer];
    expect(await checkSettings('memory', { bucket: 'taken' }, context, all)).toEqual([
      { field: 'memory.bucket', message: 'the bucket is taken' },
    ]);
    expect(await checkSettings('memory', { bucket: 'free' }, context, all)).toEqual([]);
    expect(await checkSettings('memory', { bucket: 'free' }, context)).toEqual([
      { field: 'type', message: 'memory destinations are not known to this server' },
    ]);
  });

  it('a type registered only in a test gets its CLI flags, named in its errors', () => {
    const create = destinationsCommand(kinds).commands.find((command) => command.name() === 'create');
    const type = create?.options.find((option) => option.long === '--type');
    expect(type?.argChoices).toEqual([...destinationKinds.map((kind) => kind.name), 'memory']);
    const bucket = create?.options.find((option) => option.long === '--bucket');
    expect(bucket?.description).toBe('memory: the bucket the events are kept in');
    expect(create?.options.find((option) => option.long === '--capacity')?.parseArg?.('7', undefined)).toBe(7);
    expect(destinationBody({ eventTypes: ['*'], bucket: 'b1', capacity: 7 }, kinds, 'memory')).toEqual({
      event_types: ['*'],
      memory: { bucket: 'b1', capacity: 7 },
    });
    expect(
      destinationsCommand()
        .commands.find((command) => command.name() === 'create')
        ?.options.map((o) => o.long),
    ).not.toContain('--bucket');
  });

  it("a type registered only in a test gets the streamer's sender, its settings checked before they reach it", async () => {
    const senders = startSenders(environment, [memoryServer]);
    const plan = senders.plan({ type: 'memory', settings: { bucket: 'b1' } }, { timeoutMs: 5000, concurrency: 10 });
    expect(plan.claim).toEqual({ mode: 'group' });
    const delivery = { id: 'dlv_1', eventId: 'evt_1', eventType: 'invoice.paid', entityId: 'inv_1', payload: '{"id":"evt_1"}' };
    const unit = { destinationId: 'dst_1', organizationId: 'org_1', secrets: [], deliveries: [delivery], batchId: null };
    expect((await plan.send(unit)).result).toEqual({ kind: 'response', status: 200 });
    expect(kept.get('b1')).toEqual(['{"id":"evt_1"}']);
    const refused = await senders.plan({ type: 'memory', settings: { bucket: 3 } }, { timeoutMs: 5000, concurrency: 10 }).send(unit);
    expect(refused.error).toMatch(/not those of a memory destination/);
    await senders.close();
  });

  it('every type has its server half, in the same order', () => {
    expect(serverKinds.map((server) => server.kind)).toEqual([...destinationKinds]);
  });

  it("every type is a symbol of the destination entity's type, so its alerts and disable events can be published", () => {
    const field = readEntitySchemas()['destination']?.fields.find((candidate) => candidate.name === 'type');
    const symbols = (field?.type as { symbols?: string[] } | undefined)?.symbols ?? [];
    expect(destinationKinds.map((kind) => kind.name).filter((name) => !symbols.includes(name))).toEqual([]);
  });
});

const policy = { ownBrokers: ['localhost:9092'], allowedBrokers: [], topicPrefix: 'evp' };
const environment: SenderEnvironment = {
  logger: createTestLogger('silent'),
  allowedHosts: [],
  ownBrokers: [],
  allowedBrokers: [],
  topicPrefix: 'evp',
  fileRoot: undefined,
};

const noFields = { types: [], kindsOf: () => new Map() };
