import { createHmac, createSecretKey, randomBytes, timingSafeEqual, type KeyObject } from 'node:crypto';

/**
 * Standard Webhooks signatures (https://www.standardwebhooks.com): the signed content is
 * `${webhook-id}.${webhook-timestamp}.${body}`, the key is the base64 part of a `whsec_` secret,
 * and the header is `v1,` + base64(HMAC-SHA256). While a secret is being rotated the header
 * carries one signature per secret, space-separated; a receiver accepts any that matches.
 */
export const secretPrefix = 'whsec_';

/** A new signing secret: `whsec_` + 24 random bytes in base64, as the spec's libraries make them. */
export function createWebhookSecret(): string {
  return `${secretPrefix}${randomBytes(24).toString('base64')}`;
}

/**
 * Each secret's HMAC key, made once: given a Buffer, Node 24's createHmac first checks whether it
 * is a KeyObject by catching a throw, which made that check most of a signature's cost.
 */
const keys = new Map<string, KeyObject>();
const mostKeys = 10_000;

function secretKey(secret: string): KeyObject {
  const known = keys.get(secret);
  if (known !== undefined) return known;
  if (!secret.startsWith(secretPrefix)) throw new TypeError('a webhook secret starts with whsec_');
  const bytes = Buffer.from(secret.slice(secretPrefix.length), 'base64');
  if (bytes.length < 16) throw new TypeError('a webhook secret holds at least 16 bytes');
  if (keys.size >= mostKeys) keys.clear();
  const key = createSecretKey(bytes);
  keys.set(secret, key);
  return key;
}

/** `v1,<base64 signature>` of one message under one secret. */
export function signWebhook(secret: string, id: string, timestampSeconds: number, body: string): string {
  const mac = createHmac('sha256', secretKey(secret)).update(`${id}.${timestampSeconds}.${body}`).digest('base64');
  return `v1,${mac}`;
}

/** The `webhook-signature` header: one signature per live secret (current first). */
export function signatureHeader(secrets: readonly string[], id: string, timestampSeconds: number, body: string): string {
  return secrets.map((secret) => signWebhook(secret, id, timestampSeconds, body)).join(' ');
}

/** Whether any `v1,` signature of the header matches the message under `secret` (constant time). */
export function verifyWebhook(secret: string, header: string, id: string, timestampSeconds: number, body: string): boolean {
  const expected = Buffer.from(signWebhook(secret, id, timestampSeconds, body));
  return header.split(' ').some((entry) => {
    const given = Buffer.from(entry);
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
}
