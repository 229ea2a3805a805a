import { createCipheriv, createDecipheriv, createHash, createSecretKey as keyObjectOf, randomBytes } from 'node:crypto';

/**
 * Signing secrets at rest: AES-256-GCM under a key the operator keeps outside the database, so a
 * copy of the database (a backup, a replica, a leaked dump) signs nothing. A stored value is
 * `evpenc1:<key id>:<base64url of iv | tag | ciphertext>`; the key id (the first 8 hex digits of
 * the key's SHA-256) says which key sealed it, so a wrong key is named, not mistaken for tampering.
 * A value without the prefix was stored before secrets were sealed and is read as it is.
 *
 * Each value is sealed for one owner (a destination's id), which is authenticated with it: a
 * sealed value copied to another destination's row does not open there.
 */
export const sealedPrefix = 'evpenc1:';

export interface SecretBox {
  /** The key's id, as sealed values carry it. */
  readonly keyId: string;
  seal(plain: string, owner: string): string;
  /** The plain secret; throws SecretUnreadable when another key sealed it, for another owner, or it was altered. */
  open(stored: string, owner: string): string;
  isSealed(stored: string): boolean;
}

export class SecretUnreadable extends Error {
  readonly code = 'EVP_SECRET_UNREADABLE';

  constructor(
    message: string,
    /** The key that sealed it, when that is why it cannot be opened. */
    readonly sealedBy?: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'SecretUnreadable';
  }
}

const ivBytes = 12;
const tagBytes = 16;

export function secretKeyId(key: Buffer): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 8);
}

export function createSecretBox(key: Buffer): SecretBox {
  if (key.length !== 32) throw new TypeError(`a secret key holds 32 bytes, not ${key.length}`);
  const keyId = secretKeyId(key);
  // A KeyObject, made once: Node 24 checks a Buffer key for being a KeyObject by catching a throw, on every call.
  const cipherKey = keyObjectOf(key);
  const isSealed = (stored: string) => stored.startsWith(sealedPrefix);
  return {
    keyId,
    isSealed,
    seal(plain, owner) {
      const iv = randomBytes(ivBytes);
      const cipher = createCipheriv('aes-256-gcm', cipherKey, iv);
      // The key id and the owner are authenticated too: relabelled or moved, it does not open.
      cipher.setAAD(associated(keyId, owner));
      const sealed = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
      return `${sealedPrefix}${keyId}:${Buffer.concat([iv, cipher.getAuthTag(), sealed]).toString('base64url')}`;
    },
    open(stored, owner) {
      if (!isSealed(stored)) return stored;
      const [sealedBy, payload] = stored.slice(sealedPrefix.length).split(':');
      if (sealedBy !== keyId) {
        throw new SecretUnreadable(
          `the secret was sealed with key ${sealedBy ?? '?'} but this process has key ${keyId}: give every API and streamer process the same DESTINATION_SECRET_KEY`,
          sealedBy,
        );
      }
      const bytes = Buffer.from(payload ?? '', 'base64url');
      if (bytes.length < ivBytes + tagBytes) throw new SecretUnreadable('the sealed secret is cut short');
      try {
        const decipher = createDecipheriv('aes-256-gcm', cipherKey, bytes.subarray(0, ivBytes));
        decipher.setAAD(associated(keyId, owner));
        decipher.setAuthTag(bytes.subarray(ivBytes, ivBytes + tagBytes));
        return Buffer.concat([decipher.update(bytes.subarray(ivBytes + tagBytes)), decipher.final()]).toString('utf8');
      } catch (error) {
        throw new SecretUnreadable(
          'the sealed secret does not authenticate under its key for this destination: it was altered or copied from another row',
          undefined,
          {
            cause: error,
          },
        );
      }
    },
  };
}

function associated(keyId: string, owner: string): Buffer {
  return Buffer.from(`${keyId}:${owner}`);
}

/** A key given as text: 32 bytes in base64, base64url or hex. Undefined when it is none of those. */
export function parseSecretKey(text: string): Buffer | undefined {
  const trimmed = text.trim();
  if (/^[0-9a-fA-F]{64}$/.test(trimmed)) return Buffer.from(trimmed, 'hex');
  if (!/^[A-Za-z0-9+/_-]{43}=?$/.test(trimmed)) return undefined;
  const key = Buffer.from(trimmed.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
  return key.length === 32 ? key : undefined;
}

/** A new key, as `evp` writes it and as DESTINATION_SECRET_KEY takes it (base64). */
export function createSecretKey(): string {
  return randomBytes(32).toString('base64');
}
