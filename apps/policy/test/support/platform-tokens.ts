import { PLATFORM_TOKEN_AUDIENCE } from '@portcullis/contracts';
import { exportJWK, generateKeyPair, JWK, SignJWT } from 'jose';
import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';

type SigningKey = Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];

export interface TokenClaims {
  sub: string;
  admin: boolean;
  email?: string | null;
  name?: string | null;
  groups?: string[];
  issuer?: string;
  audience?: string;
  /** Seconds from now; negative for an expired token. */
  expiresIn?: number;
}

/**
 * Stands in for identity's token side: an ES256 key, its JWKS served over HTTP the way
 * identity serves /.well-known/jwks.json, and platform JWTs signed with it.
 */
export class PlatformTokens {
  readonly issuer = 'http://identity.test';

  private constructor(
    private readonly key: SigningKey,
    private readonly kid: string,
    private readonly server: Server,
  ) {}

  static async start(): Promise<PlatformTokens> {
    const { publicKey, privateKey } = await generateKeyPair('ES256');
    const jwk: JWK = { ...(await exportJWK(publicKey)), kid: 'test-key-1', alg: 'ES256', use: 'sig' };
    const server = createServer((req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ keys: [jwk] }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return new PlatformTokens(privateKey, 'test-key-1', server);
  }

  get jwksUrl(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/.well-known/jwks.json`;
  }

  mint(claims: TokenClaims, key: SigningKey = this.key): Promise<string> {
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({ email: claims.email ?? null, name: claims.name ?? null, groups: claims.groups ?? [], admin: claims.admin })
      .setProtectedHeader({ alg: 'ES256', kid: this.kid })
      .setSubject(claims.sub)
      .setIssuer(claims.issuer ?? this.issuer)
      .setAudience(claims.audience ?? PLATFORM_TOKEN_AUDIENCE)
      .setIssuedAt(now - 60)
      .setExpirationTime(now + (claims.expiresIn ?? 600))
      .sign(key);
  }

  /** A token signed by a key identity never published (same kid): a forgery. */
  async forge(claims: TokenClaims): Promise<string> {
    const { privateKey } = await generateKeyPair('ES256');
    return this.mint(claims, privateKey);
  }

  stop(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
