import { randomBytes } from 'node:crypto';
import { CredentialCipher, UnknownKeyError } from './credential-cipher';

describe(CredentialCipher.name, () => {
  const key = randomBytes(32).toString('base64');
  const sut = new CredentialCipher(key);
  const secret = JSON.stringify({ kind: 'token', token: 'eyJhbGciOi.secret-value' });

  it('opens what it sealed, for the same context', () => {
    const sealed = sut.seal(secret, 'cluster-1');

    expect(sut.open(sealed, 'cluster-1')).toBe(secret);
  });

  it('never stores the plaintext, and uses a fresh 12-byte IV each time', () => {
    const first = sut.seal(secret, 'cluster-1');
    const second = sut.seal(secret, 'cluster-1');

    expect(first.iv).toHaveLength(12);
    expect(first.authTag).toHaveLength(16);
    expect(first.iv.equals(second.iv)).toBe(false);
    expect(first.ciphertext.equals(second.ciphertext)).toBe(false);
    expect(first.ciphertext.toString('utf8')).not.toContain('secret-value');
  });

  it('names the key by a fingerprint, not by the key itself', () => {
    expect(sut.keyId).toMatch(/^sha256:[0-9a-f]{16}$/);
    expect(sut.keyId).not.toContain(key);
    expect(new CredentialCipher(randomBytes(32).toString('base64')).keyId).not.toBe(sut.keyId);
  });

  it('refuses a value sealed for another row', () => {
    const sealed = sut.seal(secret, 'cluster-1');

    expect(() => sut.open(sealed, 'cluster-2')).toThrow(/unable to authenticate data/);
  });

  it('refuses a tampered value', () => {
    const sealed = sut.seal(secret, 'cluster-1');
    sealed.ciphertext[0] ^= 0xff;

    expect(() => sut.open(sealed, 'cluster-1')).toThrow(/unable to authenticate data/);
  });

  it('refuses a value whose tag was truncated, although a short GCM tag would otherwise verify', () => {
    const sealed = sut.seal(secret, 'cluster-1');
    sealed.authTag = sealed.authTag.subarray(0, 4);

    expect(() => sut.open(sealed, 'cluster-1')).toThrow(/unable to authenticate data: the stored tag is 4 bytes, not 16/);
  });

  it('says when a value was sealed with a key it does not hold', () => {
    const sealed = new CredentialCipher(randomBytes(32).toString('base64')).seal(secret, 'cluster-1');

    expect(() => sut.open(sealed, 'cluster-1')).toThrow(UnknownKeyError);
  });

  it('refuses a key that is not 32 bytes', () => {
    expect(() => new CredentialCipher(randomBytes(16).toString('base64'))).toThrow('the credential key must be 32 bytes');
  });
});
