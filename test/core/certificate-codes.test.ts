import { describe, expect, it } from 'vitest';
import { describeTlsFailure, tlsFailureCode, tlsFailureReason } from '../../core/certificate-codes.js';

describe('TLS failure codes', () => {
  it('tell a failed handshake from every other failure', () => {
    for (const code of ['SELF_SIGNED_CERT_IN_CHAIN', 'CERT_HAS_EXPIRED', 'ERR_TLS_CERT_ALTNAME_INVALID', 'ERR_SSL_WRONG_VERSION_NUMBER']) {
      expect(tlsFailureCode(Object.assign(new Error('x'), { code }))).toBe(code);
    }
    for (const error of [Object.assign(new Error('x'), { code: 'ECONNREFUSED' }), new Error('no code'), undefined, null, { code: 7 }]) {
      expect(tlsFailureCode(error)).toBeUndefined();
    }
  });

  it('sort them by what fixes them', () => {
    expect(['DEPTH_ZERO_SELF_SIGNED_CERT', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE'].map(tlsFailureReason)).toEqual(['untrusted', 'untrusted']);
    expect(['CERT_HAS_EXPIRED', 'CERT_NOT_YET_VALID'].map(tlsFailureReason)).toEqual(['expired', 'expired']);
    expect(tlsFailureReason('ERR_TLS_CERT_ALTNAME_INVALID')).toBe('misnamed');
    expect(tlsFailureReason('ERR_SSL_WRONG_VERSION_NUMBER')).toBe('not-tls');
    expect(tlsFailureReason('ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE')).toBe('other');
  });

  it('say what fixes each, naming the settings and who checked', () => {
    const settings = { ca: 'redis.ssl_ca_pem', host: 'redis.url' };
    expect(describeTlsFailure('SELF_SIGNED_CERT_IN_CHAIN', 'Redis at h:6380', settings)).toBe(
      'the TLS handshake with Redis at h:6380 failed (SELF_SIGNED_CERT_IN_CHAIN): no CA the destination trusts signed its certificate; set redis.ssl_ca_pem to the PEM of the CA that did',
    );
    expect(describeTlsFailure('UNABLE_TO_GET_ISSUER_CERT', 'the registry', { ca: 'CA_FILE', host: 'URL' }, 'this client')).toMatch(
      /: no CA this client trusts signed its certificate; set CA_FILE/,
    );
    expect(describeTlsFailure('CERT_NOT_YET_VALID', 'h', settings)).toMatch(/not valid now; its operator must renew it/);
    expect(describeTlsFailure('ERR_TLS_CERT_ALTNAME_INVALID', 'h', settings)).toMatch(
      /for another host; use a name the certificate holds in redis\.url$/,
    );
    expect(describeTlsFailure('ERR_SSL_WRONG_VERSION_NUMBER', 'h', settings)).toMatch(
      /: it does not answer in TLS there; check that redis\.url names its TLS port$/,
    );
    expect(describeTlsFailure('ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE', 'h', settings)).toMatch(
      /; check redis\.ssl_ca_pem and that the certificate names the host of redis\.url$/,
    );
  });
});
