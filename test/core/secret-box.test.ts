import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createSecretBox, createSecretKey, parseSecretKey, sealedPrefix, SecretUnreadable } from '../../core/secret-box.js';

const key = randomBytes(32);
const box = createSecretBox(key);
const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';

describe('secret box', () => {
  it('seals a secret so the stored text does not contain it, differently each time, and opens it again', () => {
    const sealed = box.seal(secret, 'dst_1');
    expect(sealed.startsWith(`${sealedPrefix}${box.keyId}:`)).toBe(true);
    expect(sealed).not.toContain(secret.slice(6));
    expect(box.seal(secret, 'dst_1')).not.toBe(sealed);
    expect(box.open(sealed, 'dst_1')).toBe(secret);
    expect(box.isSealed(sealed)).toBe(true);
  });

  it('reads a value stored before sealing as it is', () => {
    expect(box.isSealed(secret)).toBe(false);
    expect(box.open(secret, 'dst_1')).toBe(secret);
  });

  it('names both keys when another key sealed the value', () => {
    const other = createSecretBox(randomBytes(32));
    const error = (() => {
      try {
        other.open(box.seal(secret, 'dst_1'), 'dst_1');
      } catch (thrown) {
        return thrown as SecretUnreadable;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(SecretUnreadable);
    expect(error?.code).toBe('EVP_SECRET_UNREADABLE');
    expect(error?.sealedBy).toBe(box.keyId);
    expect(error?.message).toContain(box.keyId);
    expect(error?.message).toContain(other.keyId);
    expect(error?.message).toContain('DESTINATION_SECRET_KEY');
  });

  it('refuses a sealed value that was altered or cut short', () => {
    const sealed = box.seal(secret, 'dst_1');
    const last = sealed.at(-2) === 'A' ? 'B' : 'A';
    const altered = `${sealed.slice(0, -2)}${last}${sealed.slice(-1)}`;
    expect(() => box.open(altered, 'dst_1')).toThrow(/altered/);
    // Copied to another destination's row, it does not open there.
    expect(() => box.open(sealed, 'dst_2')).toThrow(/copied from another row/);
    expect(() => box.open(`${sealedPrefix}${box.keyId}:abc`, 'dst_1')).toThrow(/cut short/);
  });

  it('takes a key as base64, base64url or hex, and nothing of another length', () => {
    const made = createSecretKey();
    expect(parseSecretKey(made)?.length).toBe(32);
    expect(parseSecretKey(key.toString('base64url'))?.equals(key)).toBe(true);
    expect(parseSecretKey(key.toString('hex'))?.equals(key)).toBe(true);
    expect(parseSecretKey(randomBytes(16).toString('base64'))).toBeUndefined();
    expect(parseSecretKey('not a key')).toBeUndefined();
    expect(() => createSecretBox(randomBytes(16))).toThrow(/32 bytes, not 16/);
  });
});
