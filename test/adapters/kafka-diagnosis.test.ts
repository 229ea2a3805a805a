import { describe, expect, it } from 'vitest';
import { diagnoseKafkaFailure, environmentVariables } from '../../adapters/kafka/diagnosis.js';
import type { KafkaSecurity } from '../../adapters/kafka/security.js';

const security: KafkaSecurity = { protocol: 'SSL', tls: { verifyHostname: true } };

/** A failure shaped as kafkajs gives it: a connection error wrapping Node's TLS error. */
function tlsFailure(code: string): unknown {
  return { name: 'KafkaJSConnectionError', message: 'Connection error', cause: { name: 'Error', message: 'alert', code } };
}

function diagnose(error: unknown) {
  return diagnoseKafkaFailure(error, { brokers: ['127.0.0.1:9193'], security, variables: environmentVariables });
}

describe('diagnoseKafkaFailure', () => {
  it('names the client certificate when a listener refuses it, in the codes of OpenSSL 3.0 and 3.5', () => {
    for (const code of [
      'ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE',
      'ERR_SSL_SSL/TLS_ALERT_BAD_CERTIFICATE',
      'ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED',
      'ERR_SSL_TLSV1_ALERT_UNKNOWN_CA',
    ]) {
      const error = diagnose(tlsFailure(code));
      expect(error?.code, code).toBe('EVP_KAFKA_TLS_FAILED');
      expect(error?.message, code).toMatch(/refused this client's certificate.*KAFKA_SSL_CERT_FILE and KAFKA_SSL_KEY_FILE/);
    }
  });

  it('leaves other alerts to the retries', () => {
    expect(diagnose(tlsFailure('ERR_SSL_SSL/TLS_ALERT_HANDSHAKE_FAILURE'))).toBeUndefined();
  });
});
