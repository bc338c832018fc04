import type { webcrypto } from 'node:crypto';
import fs from 'node:fs';
import { exportJWK, generateKeyPair, importJWK, JWK } from 'jose';

export interface SigningKey {
  kid: string;
  privateKey: webcrypto.CryptoKey;
  publicJwk: JWK;
}

export class SigningKeysError extends Error {}

/**
 * The file holds an array of ES256 private JWKs, newest first. The first signs; every key is
 * published, so tokens signed by the previous key stay valid while it is still listed. Rotate
 * by adding a new key at the head, then drop the old one once its tokens have expired.
 */
export async function loadSigningKeys(file: string): Promise<SigningKey[]> {
  let jwks: unknown;
  try {
    jwks = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (error) {
    throw new SigningKeysError(`cannot read platform JWT signing keys from ${file}: ${(error as Error).message}`);
  }
  if (!Array.isArray(jwks) || jwks.length === 0) throw new SigningKeysError(`${file} must hold a non-empty JSON array of JWKs`);
  return Promise.all(
    jwks.map(async (jwk: JWK, index) => {
      if (jwk.kty !== 'EC' || jwk.crv !== 'P-256' || !jwk.d || !jwk.kid) {
        throw new SigningKeysError(`key ${index} in ${file} is not an ES256 private JWK with a kid`);
      }
      const privateKey = (await importJWK(jwk, 'ES256')) as webcrypto.CryptoKey;
      const { d: _private, ...publicJwk } = jwk;
      return { kid: jwk.kid, privateKey, publicJwk: { ...publicJwk, alg: 'ES256', use: 'sig' } };
    }),
  );
}

/** Adds a fresh key at the head of the file (creating it), for rotation and first setup. */
export async function addSigningKey(file: string): Promise<string> {
  const existing: JWK[] = fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, 'utf8')) : [];
  const { privateKey } = await generateKeyPair('ES256', { extractable: true });
  const jwk = await exportJWK(privateKey);
  const kid = `${new Date().toISOString().slice(0, 10)}-${Math.random().toString(36).slice(2, 10)}`;
  fs.writeFileSync(file, JSON.stringify([{ ...jwk, kid, alg: 'ES256' }, ...existing], null, 2), { mode: 0o600 });
  return kid;
}
