import { describe, expect, it } from 'vitest';
import { apiKeyPrefix, createApiKey, hashApiKey, isApiKeyShaped } from '../../core/api-keys.js';

describe('createApiKey', () => {
  it('makes evp_sk_ keys of 256 random bits in base64url', () => {
    const { key } = createApiKey();
    expect(key).toMatch(/^evp_sk_[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(key.slice('evp_sk_'.length), 'base64url')).toHaveLength(32);
    expect(isApiKeyShaped(key)).toBe(true);
  });

  it('makes key_ ids that do not reveal the key', () => {
    const { id, key } = createApiKey();
    expect(id).toMatch(/^key_[A-Za-z0-9_-]{16}$/);
    expect(key).not.toContain(id.slice('key_'.length));
  });

  it('stores the SHA-256 of the key as its hash', () => {
    const created = createApiKey();
    expect(created.hash).toHaveLength(32);
    expect(created.hash.equals(hashApiKey(created.key))).toBe(true);
  });

  it('gives a prefix of the key that shows a few characters past evp_sk_', () => {
    const { key, prefix } = createApiKey();
    expect(key.startsWith(prefix)).toBe(true);
    expect(prefix).toHaveLength(apiKeyPrefix.length + 6);
    expect(prefix.startsWith('evp_sk_')).toBe(true);
  });

  it('makes unique ids, keys and hashes', () => {
    const created = Array.from({ length: 1_000 }, () => createApiKey());
    expect(new Set(created.map((each) => each.id)).size).toBe(created.length);
    expect(new Set(created.map((each) => each.key)).size).toBe(created.length);
    expect(new Set(created.map((each) => each.hash.toString('hex'))).size).toBe(created.length);
  });
});

describe('hashApiKey', () => {
  it('is SHA-256 of the key text', () => {
    // The FIPS 180-2 test vector for "abc".
    expect(hashApiKey('abc').toString('hex')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });

  it('is stable for one key and differs between keys', () => {
    const key = `evp_sk_${'A'.repeat(43)}`;
    expect(hashApiKey(key).equals(hashApiKey(key))).toBe(true);
    expect(hashApiKey(key).equals(hashApiKey(`evp_sk_${'A'.repeat(42)}B`))).toBe(false);
  });
});

describe('isApiKeyShaped', () => {
  const body = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJ0123-_Z';

  it('accepts evp_sk_ and 43 base64url characters', () => {
    expect(body).toHaveLength(43);
    expect(isApiKeyShaped(`evp_sk_${body}`)).toBe(true);
  });

  it('refuses keys of another shape', () => {
    const bad = [
      '',
      body,
      `evp_pk_${body}`,
      `EVP_SK_${body}`,
      `evp_sk_${body.slice(1)}`,
      `evp_sk_${body}A`,
      `evp_sk_${body.slice(1)}+`,
      `evp_sk_${body.slice(1)}/`,
      `evp_sk_${body.slice(1)}=`,
      `evp_sk_${body} `,
      ` evp_sk_${body}`,
      `evp_sk_${body}\n`,
    ];
    for (const key of bad) expect(isApiKeyShaped(key), JSON.stringify(key)).toBe(false);
  });
});
