import { describe, expect, it } from 'vitest';
import { checkKafkaSecuritySettings } from '../../core/kafka-security-rules.js';
import { makeTestPems } from '../harness/pem.js';

const { cert, key, otherKey, encryptedKey } = makeTestPems();

const fieldsOf = (...args: Parameters<typeof checkKafkaSecuritySettings>) =>
  checkKafkaSecuritySettings(...args).map((problem) => problem.field);

describe('kafka destination security rules', () => {
  it('accepts PLAINTEXT alone, SASL with its three settings, TLS with or without a CA, and mTLS with a matching key', () => {
    expect(checkKafkaSecuritySettings({})).toEqual([]);
    const sasl = { sasl_mechanism: 'SCRAM-SHA-256', sasl_username: 'u', sasl_password: 'p' };
    expect(checkKafkaSecuritySettings({ security_protocol: 'SASL_PLAINTEXT', ...sasl })).toEqual([]);
    expect(checkKafkaSecuritySettings({ security_protocol: 'SASL_SSL', ...sasl, ssl_ca_pem: cert, ssl_verify_hostname: false })).toEqual(
      [],
    );
    expect(checkKafkaSecuritySettings({ security_protocol: 'SSL' })).toEqual([]);
    expect(checkKafkaSecuritySettings({ security_protocol: 'SSL', ssl_cert_pem: cert, ssl_key_pem: key })).toEqual([]);
  });

  it('asks for every SASL setting a SASL protocol needs, counting a stored password as given', () => {
    expect(fieldsOf({ security_protocol: 'SASL_SSL' })).toEqual(['kafka.sasl_mechanism', 'kafka.sasl_username', 'kafka.sasl_password']);
    expect(fieldsOf({ security_protocol: 'SASL_SSL', sasl_mechanism: 'PLAIN', sasl_username: 'u' }, new Set(['sasl_password']))).toEqual(
      [],
    );
  });

  it('refuses SASL and TLS settings the protocol does not use, naming each', () => {
    const problems = checkKafkaSecuritySettings({ sasl_username: 'u', ssl_ca_pem: cert });
    expect(problems.map((problem) => problem.field)).toEqual(['kafka.sasl_username', 'kafka.ssl_ca_pem']);
    expect(problems[0]?.message).toMatch(/kafka\.security_protocol PLAINTEXT uses no SASL/);
    expect(
      fieldsOf({
        security_protocol: 'SASL_PLAINTEXT',
        sasl_mechanism: 'PLAIN',
        sasl_username: 'u',
        sasl_password: 'p',
        ssl_verify_hostname: true,
      }),
    ).toEqual(['kafka.ssl_verify_hostname']);
  });

  it('checks PEM texts: a CA that holds certificates, a certificate and key given together, unencrypted and matching', () => {
    const tls = { security_protocol: 'SSL' };
    expect(fieldsOf({ ...tls, ssl_ca_pem: 'not pem' })).toEqual(['kafka.ssl_ca_pem']);
    expect(fieldsOf({ ...tls, ssl_ca_pem: '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----' })).toEqual(['kafka.ssl_ca_pem']);
    expect(fieldsOf({ ...tls, ssl_cert_pem: cert })).toEqual(['kafka.ssl_key_pem']);
    expect(fieldsOf({ ...tls, ssl_key_pem: key })).toEqual(['kafka.ssl_cert_pem']);
    expect(fieldsOf({ ...tls, ssl_cert_pem: cert }, new Set(['ssl_key_pem']))).toEqual([]);
    const mismatched = checkKafkaSecuritySettings({ ...tls, ssl_cert_pem: cert, ssl_key_pem: otherKey });
    expect(mismatched).toEqual([
      { field: 'kafka.ssl_key_pem', message: 'kafka.ssl_key_pem is not the key of the first certificate of kafka.ssl_cert_pem' },
    ]);
    expect(checkKafkaSecuritySettings({ ...tls, ssl_cert_pem: cert, ssl_key_pem: encryptedKey })[0]?.message).toMatch(/is encrypted/);
    const garbled = checkKafkaSecuritySettings({
      ...tls,
      ssl_cert_pem: cert,
      ssl_key_pem: '-----BEGIN PRIVATE KEY-----\nsecret-ish\n-----END PRIVATE KEY-----',
    });
    expect(garbled[0]?.field).toBe('kafka.ssl_key_pem');
    expect(garbled[0]?.message).not.toContain('secret-ish');
  });
});
