import { describe, expect, it } from 'vitest';
import { eventFieldsOf, subscribedFieldsOf } from '../../core/event-fields.js';
import { describeMqttFailure, isProtocolRefusal } from '../../destinations/mqtt/describe-failure.js';
import { checkMqttSettings, topicProblem } from '../../destinations/mqtt/rules.js';
import { describeRedisFailure } from '../../destinations/redis/describe-failure.js';
import { checkRedisSettings, streamKeyProblem } from '../../destinations/redis/rules.js';
import { readCatalogue } from '../../schemas/catalogue.js';
import { readEventSchemas } from '../../schemas/event-schemas.js';
import { makeTestPems } from '../harness/pem.js';

const schemas = readEventSchemas();
const catalogue = readCatalogue();
const subscribed = subscribedFieldsOf(['customer.created', 'invoice.paid'], (type) => {
  const schema = schemas.get(catalogue[type]?.entity ?? '');
  return schema === undefined ? undefined : eventFieldsOf(schema);
});
const allowed = new Set(['127.0.0.1']);
const pem = makeTestPems().cert;
const garbled = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
const replyError = (message: string) => Object.assign(new Error(message), { name: 'ReplyError' });

describe('redis destination rules', () => {
  it('redis settings take a database number as the path and a stream key naming fields every subscribed event has', () => {
    expect(checkRedisSettings({ url: 'redis://127.0.0.1:6379/3', stream: 'events:{entity_type}' }, [], allowed, subscribed)).toEqual([]);
    expect(checkRedisSettings({ url: 'redis://127.0.0.1/streams', stream: 'events:{data.plan}' }, [], allowed, subscribed)).toEqual([
      { field: 'redis.url', message: 'the URL\'s path is the database number (/0, /1…), not "/streams"' },
      { field: 'redis.stream', message: '{data.plan} names a field that events of customer.created, invoice.paid do not have' },
    ]);
  });

  it('redis CA certificates are taken with rediss:// only, and only certificates that parse', () => {
    expect(checkRedisSettings({ url: 'rediss://127.0.0.1:6379/0', stream: 'events', ssl_ca_pem: pem }, [], allowed, subscribed)).toEqual(
      [],
    );
    expect(checkRedisSettings({ url: 'redis://127.0.0.1:6379/0', stream: 'events', ssl_ca_pem: null }, [], allowed, subscribed)).toEqual(
      [],
    );
    expect(checkRedisSettings({ url: 'redis://127.0.0.1:6379/0', stream: 'events', ssl_ca_pem: pem }, [], allowed, subscribed)).toEqual([
      { field: 'redis.ssl_ca_pem', message: 'CA certificates are for rediss:// URLs; remove them or use rediss://' },
    ]);
    const rediss = (ssl_ca_pem: string) =>
      checkRedisSettings({ url: 'rediss://127.0.0.1:6379/0', stream: 'events', ssl_ca_pem }, [], allowed, subscribed);
    expect(rediss('my CA')).toEqual([
      { field: 'redis.ssl_ca_pem', message: 'redis.ssl_ca_pem holds no PEM certificate (-----BEGIN CERTIFICATE-----)' },
    ]);
    expect(rediss(pem + garbled)).toEqual([
      { field: 'redis.ssl_ca_pem', message: 'certificate 2 of redis.ssl_ca_pem does not parse; give it as PEM, as the CA issued it' },
    ]);
  });

  it('a rendered stream key is refused when empty or holding control characters', () => {
    expect(streamKeyProblem('events:customer')).toBeUndefined();
    expect(streamKeyProblem('')).toBe('the stream key rendered empty');
    expect(streamKeyProblem('a\r\nDEL x')).toBe('the stream key "a\\r\\nDEL x" holds a control character');
  });

  it("redis failures are told by the server's reply, and every other failure in the same words", () => {
    expect(describeRedisFailure(replyError('WRONGPASS invalid username-password pair'), 'h:6379', 5000).code).toBe(
      'redis_authentication_failed',
    );
    expect(describeRedisFailure(replyError('NOAUTH Authentication required.'), 'h:6379', 5000).code).toBe('redis_authentication_failed');
    expect(describeRedisFailure(replyError("OOM command not allowed when used memory > 'maxmemory'."), 'h:6379', 5000)).toMatchObject({
      code: 'redis_out_of_memory',
    });
    expect(describeRedisFailure(replyError("READONLY You can't write against a read only replica.\nmore"), 'h:6379', 5000, 'k')).toEqual({
      code: 'redis_refused',
      message: "Redis at h:6379 refused the write to k: READONLY You can't write against a read only replica.",
    });
    const refused = describeRedisFailure(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }), 'h:6379', 5000);
    const silent = describeRedisFailure(undefined, 'h:6379', 5000);
    expect(refused).toEqual(silent);
    expect(silent.code).toBe('redis_unreachable');
  });
});

describe('mqtt destination rules', () => {
  it('mqtt CA certificates are taken with mqtts:// and wss:// only, and only certificates that parse', () => {
    const check = (url: string, ssl_ca_pem = pem) => checkMqttSettings({ url, topic: 'events', ssl_ca_pem }, [], allowed, subscribed);
    expect(check('wss://127.0.0.1/mqtt', garbled)).toEqual([
      { field: 'mqtt.ssl_ca_pem', message: 'certificate 1 of mqtt.ssl_ca_pem does not parse; give it as PEM, as the CA issued it' },
    ]);
    expect(check('mqtts://127.0.0.1:8883')).toEqual([]);
    expect(check('wss://127.0.0.1/mqtt')).toEqual([]);
    expect(check('mqtt://127.0.0.1:1883')).toEqual([
      { field: 'mqtt.ssl_ca_pem', message: 'CA certificates are for mqtts:// or wss:// URLs; remove them or use mqtts:// or wss://' },
    ]);
  });

  it('mqtt topics may not hold wildcards, start with $ or hold NUL', () => {
    expect(topicProblem('events/customer/cus_1')).toBeUndefined();
    expect(topicProblem('events/+/x')).toMatch(/wildcard/);
    expect(topicProblem('events/#')).toMatch(/wildcard/);
    expect(topicProblem('$SYS/broker')).toMatch(/starts with \$/);
    expect(topicProblem('a\u0000b')).toMatch(/NUL/);
    expect(topicProblem('')).toBe('the topic is empty');
  });

  it("mqtt settings check the topic's fixed text and the fields it names", () => {
    const check = (topic: string, url = 'mqtt://127.0.0.1:1883') => checkMqttSettings({ url, topic }, [], allowed, subscribed);
    expect(check('events/{entity_type}/{entity_id}')).toEqual([]);
    expect(check('events/#/{type}')).toEqual([
      { field: 'mqtt.topic', message: 'the topic "events/#/{type}" holds a wildcard (+ or #), which may not be published to' },
    ]);
    expect(check('{type}/x')).toEqual([]);
    expect(check('$share/{type}')[0]?.message).toMatch(/starts with \$/);
    expect(check('events/{data.nothing}')[0]).toMatchObject({ field: 'mqtt.topic' });
    expect(check('events', 'amqp://127.0.0.1')).toEqual([
      { field: 'mqtt.url', message: "the URL's scheme must be mqtt, mqtts, ws, wss (got amqp:)" },
    ]);
  });

  it("mqtt failures are told by the broker's reason code, and every other failure in the same words", () => {
    const context = { where: 'h:1883', timeoutMs: 5000, topics: ['t'] };
    const reason = (message: string, code: number) => Object.assign(new Error(message), { code });
    expect(describeMqttFailure(reason('Connection refused: Bad User Name or Password', 134), context).code).toBe(
      'mqtt_authentication_failed',
    );
    expect(describeMqttFailure(reason('Connection refused: Not authorized', 5), context).code).toBe('mqtt_not_authorized');
    expect(describeMqttFailure(reason('Publish error: Quota exceeded', 151), context)).toEqual({
      code: 'mqtt_publish_refused',
      message: "the MQTT broker at h:1883 refused a message on t (Quota exceeded); check mqtt.topic and the broker's ACL for the user",
    });
    expect(isProtocolRefusal(reason('Connection refused: Unsupported Protocol Version', 132))).toBe(true);
    expect(isProtocolRefusal(reason('Publish error: Unsupported Protocol Version', 132))).toBe(false);
    expect(describeMqttFailure(Object.assign(new Error('ECONNRESET'), { code: 'ECONNRESET' }), context)).toEqual(
      describeMqttFailure(undefined, context),
    );
  });
});
