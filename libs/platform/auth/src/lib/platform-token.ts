import { PLATFORM_TOKEN_AUDIENCE, PlatformTokenClaimsV1, validate } from '@portcullis/contracts';
import { createLocalJWKSet, createRemoteJWKSet, errors, JSONWebKeySet, jwtVerify, JWTVerifyGetKey } from 'jose';

export class PlatformTokenError extends Error {
  constructor(
    readonly code: 'missing' | 'invalid' | 'expired',
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'PlatformTokenError';
  }
}

export interface PlatformTokenVerifierOptions {
  issuer: string;
  /** identity's /.well-known/jwks.json; keys are fetched on an unknown `kid` and cached. */
  jwksUrl?: string;
  /** Tests and single-process setups can pass the key set directly. */
  jwks?: JSONWebKeySet;
}

/**
 * Verifies platform JWTs (signature against identity's published keys, issuer, audience,
 * expiry, claim shapes). Only ES256 is accepted: no `alg: none`, no HMAC confusion.
 */
export class PlatformTokenVerifier {
  private readonly keys: JWTVerifyGetKey;

  constructor(private readonly options: PlatformTokenVerifierOptions) {
    if (options.jwks) this.keys = createLocalJWKSet(options.jwks);
    else if (options.jwksUrl) this.keys = createRemoteJWKSet(new URL(options.jwksUrl), { cooldownDuration: 30_000, timeoutDuration: 3_000 });
    else throw new Error('PlatformTokenVerifier needs jwksUrl or jwks');
  }

  /** Accepts the raw `Authorization` header value. */
  async verifyAuthorizationHeader(header: string | undefined): Promise<PlatformTokenClaimsV1> {
    const match = /^Bearer\s+(\S+)$/i.exec(header ?? '');
    if (!match) throw new PlatformTokenError('missing', 'a Bearer platform token is required');
    return this.verify(match[1]);
  }

  async verify(token: string): Promise<PlatformTokenClaimsV1> {
    let payload: unknown;
    try {
      ({ payload } = await jwtVerify(token, this.keys, {
        issuer: this.options.issuer,
        audience: PLATFORM_TOKEN_AUDIENCE,
        algorithms: ['ES256'],
        clockTolerance: 5,
      }));
    } catch (error) {
      if (error instanceof errors.JWTExpired) throw new PlatformTokenError('expired', 'the platform token has expired');
      throw new PlatformTokenError('invalid', 'the platform token is not valid', { cause: error });
    }
    const claims = validate(PlatformTokenClaimsV1, payload);
    if (!claims.ok) throw new PlatformTokenError('invalid', `the platform token's claims are malformed: ${claims.reason}`);
    return claims.value;
  }
}
