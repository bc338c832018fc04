import { createPublicKey, generateKeyPairSync, randomUUID, type KeyObject } from 'node:crypto';
import { compactVerify, decodeJwt, decodeProtectedHeader, exportJWK, SignJWT, type JWK } from 'jose';
import type { Clock } from '../clock';

// Bound ServiceAccount tokens (TokenRequest API): ES256 JWTs with the claims kube-apiserver puts in
// them. Verification here only proves the token is ours and unexpired; whether the ServiceAccount
// (and a bound object) still exists with the same UID is the authenticator's job.
// jose signs and checks the signature; the time checks stay here because jose's jwtVerify refuses a
// token at exactly exp + leeway, while go-jose (the apiserver's validator) still accepts it then.

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

  async issue(request: IssueRequest): Promise<{ token: string; expiresAt: Date }> {
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
    const token = await new SignJWT({ ...claims }).setProtectedHeader({ alg: 'ES256', kid: this.keyId }).sign(this.privateKey);
    return { token, expiresAt: new Date(claims.exp * 1000) };
  }

  /** The claims of a valid token of ours, or the reason it is not one. */
  async verify(token: string): Promise<{ claims: ServiceAccountTokenClaims } | { error: string }> {
    if (token.split('.').length !== 3) return { error: 'not a JWT' };
    let alg: string | undefined;
    let claims: ServiceAccountTokenClaims;
    try {
      alg = decodeProtectedHeader(token).alg;
      claims = decodeJwt<ServiceAccountTokenClaims>(token);
    } catch {
      return { error: 'malformed token' };
    }
    if (alg !== 'ES256' || claims.iss !== this.issuer) return { error: 'token not issued by this server' };
    try {
      await compactVerify(token, this.publicKey, { algorithms: ['ES256'] });
    } catch {
      return { error: 'invalid signature' };
    }
    const now = this.clock.now() / 1000;
    if (typeof claims.exp !== 'number' || now > claims.exp + LEEWAY_SECONDS) return { error: 'service account token has expired' };
    if (typeof claims.nbf === 'number' && now < claims.nbf - LEEWAY_SECONDS) return { error: 'service account token is not valid yet' };
    return { claims };
  }

  /** The public key set (what /openid/v1/jwks serves on a real cluster). */
  async jwks(): Promise<{ keys: JWK[] }> {
    return { keys: [{ ...(await exportJWK(this.publicKey)), kid: this.keyId, use: 'sig', alg: 'ES256' }] };
  }
}
