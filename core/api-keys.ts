import { createHash, randomBytes } from 'node:crypto';

/**
 * Events API keys: `evp_sk_` + 256 random bits in base64url. Only a SHA-256 of a key is stored;
 * with that much entropy a fast hash is as safe as a slow one, and a lookup is one index probe.
 */
export const apiKeyPrefix = 'evp_sk_';

const apiKeyPattern = /^evp_sk_[A-Za-z0-9_-]{43}$/;

export interface NewApiKey {
  /** The public id (`key_…`), shown in lists and used to revoke. */
  readonly id: string;
  /** The secret, shown once. */
  readonly key: string;
  readonly hash: Buffer;
  /** The first characters of the key, enough to tell keys apart in a list. */
  readonly prefix: string;
}

export function createApiKey(): NewApiKey {
  const key = `${apiKeyPrefix}${randomBytes(32).toString('base64url')}`;
  return { id: `key_${randomBytes(12).toString('base64url')}`, key, hash: hashApiKey(key), prefix: key.slice(0, apiKeyPrefix.length + 6) };
}

export function hashApiKey(key: string): Buffer {
  return createHash('sha256').update(key).digest();
}

/** True when `key` has the shape of a key; a key of another shape is refused without a lookup. */
export function isApiKeyShaped(key: string): boolean {
  return apiKeyPattern.test(key);
}
