import { createPublicKey, generateKeyPairSync, randomUUID, sign, verify, type KeyObject } from 'node:crypto';
import type { Clock } from '../clock';

// Bound ServiceAccount tokens (TokenRequest API): ES256 JWTs with the claims kube-apiserver puts in
// them. Verification here only proves the token is ours and unexpired; whether the ServiceAccount
// (and a bound object) still exists with the same UID is the authenticator's job.

export const DEFAULT_ISSUER = 'https://kubernetes.default.svc.cluster.local';
/** go-jose's default leeway, which the apiserver's token validation inherits. */
const LEEWAY_SECONDS = 60;

export interface BoundObject {
  kind: 'Pod' | 'Secret';
  name: string;
  uid: string;
}

export interface ServiceAccountTokenClaims {
  iss: string;
  sub: string;
  aud: string[];
  exp: number;
  iat: number;
  nbf: number;
  jti: string;
  'kubernetes.io': {
    namespace: string;
    serviceaccount: { name: string; uid: string };
    pod?: { name: string; uid: string };
    secret?: { name: string; uid: string };
  };
}

export interface IssueRequest {
  namespace: string;
  name: string;
  uid: string;
  audiences: string[];
  expirationSeconds: number;
  boundObject?: BoundObject;
}

export class ServiceAccountTokenIssuer {
  private readonly privateKey: KeyObject;
  private readonly publicKey: KeyObject;
  readonly keyId: string;

  constructor(
    private readonly clock: Clock,
    readonly issuer = DEFAULT_ISSUER,
  ) {
    const pair = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    this.privateKey = pair.privateKey;
    this.publicKey = createPublicKey(pair.privateKey);
    this.keyId = randomUUID();
  }

  issue(request: IssueRequest): { token: string; expiresAt: Date } {
    const now = Math.floor(this.clock.now() / 1000);
    const claims: ServiceAccountTokenClaims = {
      aud: request.audiences,
      exp: now + request.expirationSeconds,
      iat: now,
      iss: this.issuer,
      jti: randomUUID(),
      'kubernetes.io': {
        namespace: request.namespace,
        serviceaccount: { name: request.name, uid: request.uid },
        ...(request.boundObject
          ? { [request.boundObject.kind.toLowerCase()]: { name: request.boundObject.name, uid: request.boundObject.uid } }
          : {}),
      },
      nbf: now,
      sub: `system:serviceaccount:${request.namespace}:${request.name}`,
    };
    const header = { alg: 'ES256', kid: this.keyId };
    const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(claims))}`;
    const signature = sign('sha256', Buffer.from(input), { key: this.privateKey, dsaEncoding: 'ieee-p1363' });
    return { token: `${input}.${signature.toString('base64url')}`, expiresAt: new Date(claims.exp * 1000) };
  }

  /** The claims of a valid token of ours, or the reason it is not one. */
  verify(token: string): { claims: ServiceAccountTokenClaims } | { error: string } {
    const parts = token.split('.');
    if (parts.length !== 3) return { error: 'not a JWT' };
    let header: { alg?: string };
    let claims: ServiceAccountTokenClaims;
    try {
      header = JSON.parse(Buffer.from(parts[0], 'base64url').toString('utf8'));
      claims = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8'));
    } catch {
      return { error: 'malformed token' };
    }
    if (header.alg !== 'ES256' || claims.iss !== this.issuer) return { error: 'token not issued by this server' };
    const valid = verify(
      'sha256',
      Buffer.from(`${parts[0]}.${parts[1]}`),
      { key: this.publicKey, dsaEncoding: 'ieee-p1363' },
      Buffer.from(parts[2], 'base64url'),
    );
    if (!valid) return { error: 'invalid signature' };
    const now = this.clock.now() / 1000;
    if (typeof claims.exp !== 'number' || now > claims.exp + LEEWAY_SECONDS) return { error: 'service account token has expired' };
    if (typeof claims.nbf === 'number' && now < claims.nbf - LEEWAY_SECONDS) return { error: 'service account token is not valid yet' };
    return { claims };
  }

  /** The public key set (what /openid/v1/jwks serves on a real cluster). */
  jwks(): { keys: object[] } {
    return { keys: [{ ...this.publicKey.export({ format: 'jwk' }), kid: this.keyId, use: 'sig', alg: 'ES256' }] };
  }
}

function b64url(text: string): string {
  return Buffer.from(text).toString('base64url');
}
