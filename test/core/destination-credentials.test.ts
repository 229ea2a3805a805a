import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { isMerged, markCredentials, mergeSettings, openCredentials, sealCredential } from '../../core/destination-credentials.js';
import { createSecretBox, SecretUnreadable } from '../../core/secret-box.js';
import { kafka } from '../../destinations/kafka/kind.js';

const box = createSecretBox(randomBytes(32));
const rules = { secrets: kafka.secrets ?? [], unused: (settings: Readonly<Record<string, unknown>>) => kafka.unused?.(settings) ?? [] };
const sasl = {
  brokers: ['kafka-1.example.com:9093'],
  topic: 'orders',
  security_protocol: 'SASL_SSL',
  sasl_mechanism: 'SCRAM-SHA-512',
  sasl_username: 'tenant',
};
const stored = { settings: sasl, credentials: { sasl_password: sealCredential(box, 'dst_1', 'sasl_password', 'hunter2') } };

describe('destination credentials', () => {
  it('a sealed credential opens only for its destination and setting', () => {
    const sealed = stored.credentials.sasl_password;
    expect(sealed).not.toContain('hunter2');
    expect(openCredentials(box, 'dst_1', stored.credentials)).toEqual({ sasl_password: 'hunter2' });
    expect(() => openCredentials(box, 'dst_2', stored.credentials)).toThrow(SecretUnreadable);
    expect(() => openCredentials(box, 'dst_1', { ssl_key_pem: sealed })).toThrow(SecretUnreadable);
    expect(openCredentials(box, 'dst_1', null)).toEqual({});
  });

  it('an answer says "set" for each stored credential, never its value', () => {
    expect(markCredentials(stored.credentials)).toEqual({ sasl_password: 'set' });
    expect(markCredentials(null)).toEqual({});
  });

  it('a create splits the secrets given from the settings', () => {
    const merged = mergeSettings('kafka', { settings: {}, credentials: null }, { ...sasl, sasl_password: 'hunter2' }, rules);
    expect(merged).toEqual({ settings: sasl, given: { sasl_password: 'hunter2' }, kept: {} });
  });

  it('an update keeps a stored password while the brokers, protocol and mechanism stay', () => {
    const merged = mergeSettings('kafka', stored, { topic: 'invoices', sasl_username: 'other', brokers: sasl.brokers }, rules);
    expect(isMerged(merged) && merged.kept).toEqual({ sasl_password: stored.credentials.sasl_password });
    expect(isMerged(merged) && merged.settings).toMatchObject({ topic: 'invoices', sasl_username: 'other' });
  });

  it('an update refuses to move a stored password to other brokers, another protocol or mechanism', () => {
    for (const change of [{ brokers: ['evil.example.com:9093'] }, { security_protocol: 'SASL_PLAINTEXT' }, { sasl_mechanism: 'PLAIN' }]) {
      const refused = mergeSettings('kafka', stored, change, rules);
      expect(refused, JSON.stringify(change)).toMatchObject({ field: 'kafka.sasl_password' });
      expect(isMerged(refused)).toBe(false);
    }
    const given = mergeSettings('kafka', stored, { brokers: ['evil.example.com:9093'], sasl_password: 'new' }, rules);
    expect(isMerged(given) && given.given).toEqual({ sasl_password: 'new' });
    expect(isMerged(given) && given.kept).toEqual({});
  });

  it('an update refuses the "set" of an answer sent back as the secret', () => {
    const echoed = mergeSettings('kafka', stored, { ...sasl, sasl_password: 'set' }, rules);
    expect(echoed).toMatchObject({ field: 'kafka.sasl_password', message: expect.stringContaining('leave kafka.sasl_password out') });
  });

  it('an update that drops SASL drops its settings and the stored password, wherever the brokers go', () => {
    const merged = mergeSettings('kafka', stored, { security_protocol: 'SSL', brokers: ['kafka-2.example.com:9093'] }, rules);
    expect(merged).toEqual({
      settings: { brokers: ['kafka-2.example.com:9093'], topic: 'orders', security_protocol: 'SSL' },
      given: {},
      kept: {},
    });
  });

  it('removing the client certificate drops its stored key; replacing it needs the key again', () => {
    const withKey = {
      settings: { brokers: sasl.brokers, topic: 'orders', security_protocol: 'SSL', ssl_cert_pem: 'cert' },
      credentials: { ssl_key_pem: sealCredential(box, 'dst_1', 'ssl_key_pem', 'key') },
    };
    expect(mergeSettings('kafka', withKey, { ssl_cert_pem: null }, rules)).toMatchObject({ kept: {} });
    expect(mergeSettings('kafka', withKey, { ssl_cert_pem: 'another cert' }, rules)).toMatchObject({ field: 'kafka.ssl_key_pem' });
    expect(mergeSettings('kafka', withKey, { ssl_key_pem: null }, rules)).toMatchObject({ kept: {}, given: {} });
  });
});
