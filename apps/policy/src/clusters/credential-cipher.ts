import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

/** A secret as stored: useless without the key `keyId` names. */
export interface SealedSecret {
  keyId: string;
  iv: Buffer;
  authTag: Buffer;
  ciphertext: Buffer;
}

/** GCM's full tag; a shorter one would let a forger guess a valid tag sooner (Node's DEP0182). */
const AUTH_TAG_BYTES = 16;

export class UnknownKeyError extends Error {
  constructor(keyId: string) {
    super(`no key ${keyId} is configured to open this secret`);
    this.name = 'UnknownKeyError';
  }
}

/**
 * AES-256-GCM with a fresh 12-byte IV per value. The key id (a fingerprint of the key, not
 * the key) is stored with each value, so a later key rotation can tell which key opens it.
 * `context` is bound as additional authenticated data: a sealed value copied to another row
 * does not open there.
 */
export class CredentialCipher {
  private readonly key: Buffer;
  readonly keyId: string;

  constructor(keyBase64: string) {
    this.key = Buffer.from(keyBase64, 'base64');
    if (this.key.length !== 32) throw new Error('the credential key must be 32 bytes');
    this.keyId = `sha256:${createHash('sha256').update(this.key).digest('hex').slice(0, 16)}`;
  }

  seal(plaintext: string, context: string): SealedSecret {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv, { authTagLength: AUTH_TAG_BYTES });
    cipher.setAAD(Buffer.from(context, 'utf8'));
    const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return { keyId: this.keyId, iv, authTag: cipher.getAuthTag(), ciphertext };
  }

  /** Throws when the key is unknown or the value (or its context) was tampered with. */
  open(sealed: SealedSecret, context: string): string {
    if (sealed.keyId !== this.keyId) throw new UnknownKeyError(sealed.keyId);
    // Refused like any other tampered value (same message), before Node sees the short tag.
    if (sealed.authTag.length !== AUTH_TAG_BYTES) {
      throw new Error(`Unsupported state or unable to authenticate data: the stored tag is ${sealed.authTag.length} bytes, not ${AUTH_TAG_BYTES}`);
    }
    const decipher = createDecipheriv('aes-256-gcm', this.key, sealed.iv, { authTagLength: AUTH_TAG_BYTES });
    decipher.setAAD(Buffer.from(context, 'utf8'));
    decipher.setAuthTag(sealed.authTag);
    return Buffer.concat([decipher.update(sealed.ciphertext), decipher.final()]).toString('utf8');
  }
}
