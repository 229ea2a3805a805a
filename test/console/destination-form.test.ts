import { describe, expect, it } from 'vitest';
import { seriesOf } from '../../console/src/chart-data';
import { bodyOf, changesOf, draftOf, emptyDraft, fieldForParam, parseHeaders, shownFieldsOf } from '../../console/src/destination-form';
import type { Destination } from '../../console/src/types';

describe('console destination form', () => {
  it('builds a webhook create body from the fields, nulls for the empty optional ones', () => {
    const body = bodyOf(
      {
        ...emptyDraft,
        eventTypes: 'invoice.*, customer.created',
        settings: { 'webhook.url': ' https://hooks.example.com/x ', 'webhook.headers': 'x-team: billing\n\nx-env:  prod ' },
        retrySchedule: '0, 1000,5000',
        severities: ['critical'],
      },
      true,
    );
    expect(body).toEqual({
      type: 'webhook',
      description: null,
      event_types: ['invoice.*', 'customer.created'],
      severities: ['critical'],
      entity_types: null,
      ordering: 'none',
      max_concurrency: null,
      rate_limit_per_second: null,
      retry_schedule_ms: [0, 1000, 5000],
      filter: null,
      payload: 'event',
      active: true,
      webhook: { url: 'https://hooks.example.com/x', headers: { 'x-team': 'billing', 'x-env': 'prod' } },
    });
  });

  it('sends the content filter as JSON, refuses text that is not a JSON object, and shows a filter param of the API on its input', () => {
    const filter = { 'data.total_amount': { $gte: 1000 } };
    expect(bodyOf({ ...emptyDraft, filter: JSON.stringify(filter) }, true)).toMatchObject({ filter });
    expect(bodyOf({ ...emptyDraft, filter: '{"data.status": ' }, true)).toMatchObject({ param: 'filter' });
    expect(bodyOf({ ...emptyDraft, filter: '[1]' }, true)).toMatchObject({ param: 'filter' });
    expect(
      draftOf({ ...({} as Destination), type: 'webhook', event_types: ['*'], ordering: 'none', filter } as Destination).filter,
    ).toContain('"$gte": 1000');
    expect(fieldForParam('filter.$or.1.data.status.$in')).toBe('dst-filter');
    expect(bodyOf({ ...emptyDraft, payload: 'id, data.total_amount' }, true)).toMatchObject({
      payload: { fields: ['id', 'data.total_amount'] },
    });
    expect(bodyOf({ ...emptyDraft, payload: 'cloudevents' }, true)).toMatchObject({ payload: 'cloudevents' });
    expect(fieldForParam('payload.fields.1')).toBe('dst-payload');
  });

  it('names the header line that is not "name: value"', () => {
    expect(parseHeaders('a: 1\nbroken')).toBe('Header line 2 must be "name: value".');
    expect(bodyOf({ ...emptyDraft, settings: { 'webhook.headers': ': x' } }, true)).toEqual({
      problem: 'Header line 1 must be "name: value".',
      param: 'webhook.headers',
    });
  });

  it('refuses a limit that is not a whole number instead of sending null (which means no limit)', () => {
    expect(bodyOf({ ...emptyDraft, rateLimit: 'ten' }, true)).toEqual({
      problem: 'Attempts per second must be a whole number, not "ten".',
      param: 'rate_limit_per_second',
    });
    expect(bodyOf({ ...emptyDraft, retrySchedule: '0, 1s' }, true)).toMatchObject({ param: 'retry_schedule_ms' });
    expect(bodyOf({ ...emptyDraft, settings: { 'webhook.timeout_ms': '1.5' } }, true)).toMatchObject({ param: 'webhook.timeout_ms' });
  });

  it('sends only the changed fields on edit, so a pause made meanwhile is not undone', () => {
    const before = { description: null, active: true, event_types: ['*'], webhook: { url: 'https://a', headers: {} } };
    const after = { description: 'billing', active: true, event_types: ['*'], webhook: { url: 'https://a', headers: {} } };
    expect(changesOf(after, before)).toEqual({ description: 'billing' });
    expect(changesOf({ ...after, webhook: { url: 'https://b', headers: {} } }, before)).toEqual({
      description: 'billing',
      webhook: { url: 'https://b', headers: {} },
    });
  });

  it('leaves the type out of an edit and sends the kafka settings of a kafka destination', () => {
    const body = bodyOf(
      { ...emptyDraft, type: 'kafka', eventTypes: '*', settings: { 'kafka.brokers': 'b1:9092 b2:9092', 'kafka.topic': 'acme' } },
      false,
    );
    expect(body).toMatchObject({ kafka: { brokers: ['b1:9092', 'b2:9092'], topic: 'acme' } });
    expect(body).not.toHaveProperty('type');
  });

  it("shows a kafka destination's SASL inputs for a SASL protocol and its TLS inputs for TLS, and sends only those shown", () => {
    const draft = {
      ...emptyDraft,
      type: 'kafka',
      eventTypes: '*',
      settings: {
        'kafka.brokers': 'b1:9093',
        'kafka.topic': 'acme',
        'kafka.security_protocol': 'SASL_SSL',
        'kafka.sasl_mechanism': 'SCRAM-SHA-512',
        'kafka.sasl_username': 'tenant',
        'kafka.sasl_password': ' hunter2 ',
        'kafka.ssl_ca_pem': '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n',
      },
    };
    expect(shownFieldsOf(draft).map((field) => field.setting)).toEqual([
      'brokers',
      'topic',
      'security_protocol',
      'sasl_mechanism',
      'sasl_username',
      'sasl_password',
      'ssl_ca_pem',
      'ssl_cert_pem',
      'ssl_key_pem',
      'ssl_verify_hostname',
    ]);
    expect(bodyOf(draft, true)).toMatchObject({
      kafka: {
        security_protocol: 'SASL_SSL',
        sasl_password: 'hunter2',
        ssl_ca_pem: '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n',
        ssl_cert_pem: null,
        ssl_verify_hostname: true,
      },
    });
    expect(bodyOf(draft, true)).not.toHaveProperty('kafka.ssl_key_pem');
    const plain = { ...draft, settings: { ...draft.settings, 'kafka.security_protocol': 'PLAINTEXT' } };
    expect(bodyOf(plain, true)).toMatchObject({ kafka: { brokers: ['b1:9093'], topic: 'acme', security_protocol: 'PLAINTEXT' } });
    expect(Object.keys((bodyOf(plain, true) as { kafka: object }).kafka)).toEqual(['brokers', 'topic', 'security_protocol']);
  });

  it("starts a stored secret's input empty, and leaves it out of an edit unless typed again", () => {
    const destination = {
      id: 'dst_1',
      type: 'kafka',
      description: null,
      active: true,
      event_types: ['*'],
      severities: null,
      entity_types: null,
      ordering: 'none',
      max_concurrency: null,
      rate_limit_per_second: null,
      retry_schedule_ms: null,
      kafka: {
        brokers: ['b1:9093'],
        topic: 'acme',
        security_protocol: 'SASL_SSL',
        sasl_mechanism: 'PLAIN',
        sasl_username: 'u',
        sasl_password: 'set',
      },
    } as unknown as Destination;
    const draft = draftOf(destination);
    expect(draft.settings['kafka.sasl_password']).toBe('');
    expect(draft.storedSecrets).toEqual(['kafka.sasl_password']);
    const before = bodyOf(draft, false);
    expect(before).not.toHaveProperty('kafka.sasl_password');
    const moved = bodyOf({ ...draft, settings: { ...draft.settings, 'kafka.brokers': 'b2:9093' } }, false) as Record<string, unknown>;
    expect(changesOf(moved, before as Record<string, unknown>)).toEqual({
      kafka: {
        brokers: ['b2:9093'],
        topic: 'acme',
        security_protocol: 'SASL_SSL',
        sasl_mechanism: 'PLAIN',
        sasl_username: 'u',
        ssl_ca_pem: null,
        ssl_cert_pem: null,
        ssl_verify_hostname: true,
      },
    });
    expect(fieldForParam('kafka.sasl_password')).toBe('dst-sasl-password');
  });

  it('points an API error param at the input that sets it', () => {
    expect(fieldForParam('webhook.url')).toBe('dst-url');
    expect(fieldForParam('webhook.headers.x-team')).toBe('dst-headers');
    expect(fieldForParam('event_types[2]')).toBe('dst-event-types');
    expect(fieldForParam('nothing.here')).toBeUndefined();
    expect(fieldForParam(undefined)).toBeUndefined();
  });
});

describe('console chart data', () => {
  it('spreads counts over every minute of the window, by severity', () => {
    const { buckets, series } = seriesOf(
      {
        from: '2026-12-01T10:00:00.000Z',
        to: '2026-12-01T10:03:10.000Z',
        bucket_seconds: 60,
        data: [
          { minute: '2026-12-01T10:00:00.000Z', type: 'invoice.paid', severity: 'info', count: 2 },
          { minute: '2026-12-01T10:02:00.000Z', type: 'transaction.payment_failed', severity: 'critical', count: 1 },
          { minute: '2026-12-01T10:02:00.000Z', type: 'invoice.paid', severity: 'info', count: 3 },
        ],
      },
      'severity',
    );
    expect(buckets).toHaveLength(4);
    expect(series.map((s) => [s.name, s.counts])).toEqual([
      ['info', [2, 0, 3, 0]],
      ['warn', [0, 0, 0, 0]],
      ['critical', [0, 0, 1, 0]],
    ]);
  });

  it('keeps the six busiest types and folds the rest into other', () => {
    const data = Array.from({ length: 9 }, (_, i) => ({
      minute: '2026-12-01T10:00:00.000Z',
      type: `t.${i}`,
      severity: 'info' as const,
      count: 10 - i,
    }));
    const { series } = seriesOf({ from: data[0]!.minute, to: data[0]!.minute, bucket_seconds: 60, data }, 'type');
    expect(series.map((s) => s.name)).toEqual(['t.0', 't.1', 't.2', 't.3', 't.4', 't.5', 'other']);
    expect(series.at(-1)?.counts).toEqual([4 + 3 + 2]);
  });
});
