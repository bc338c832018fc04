import { Inject, Injectable } from '@nestjs/common';
import { PlatformTokenError, PlatformTokenVerifier } from '@portcullis/platform/auth';
import { SERVICE_CONFIG } from '@portcullis/platform/service';
import type { PolicyConfig } from '../config/policy.config';
import { AdminAuthErrorCode, AdminAuthException } from './admin-auth.exception';
import { AdminPrincipal } from './admin-principal';

/**
 * Admits platform JWTs (ES256, verified against identity's published keys, issuer, audience,
 * expiry) whose `admin` claim is true. Identity sets that claim from the configured admin group.
 */
@Injectable()
export class AdminAuthenticator {
  private readonly verifier: PlatformTokenVerifier;

  constructor(@Inject(SERVICE_CONFIG) config: PolicyConfig) {
    this.verifier = new PlatformTokenVerifier({ issuer: config.PLATFORM_JWT_ISSUER, jwksUrl: config.IDENTITY_JWKS_URL });
  }

  /** `authorization`: the raw `Authorization` header (HTTP) or `connectionParams.authorization` (WebSocket). */
  async authenticate(authorization: unknown): Promise<AdminPrincipal> {
    let claims;
    try {
      claims = await this.verifier.verifyAuthorizationHeader(typeof authorization === 'string' ? authorization : undefined);
    } catch (error) {
      if (error instanceof PlatformTokenError) throw new AdminAuthException(AdminAuthErrorCode.Unauthenticated, error.message);
      throw error;
    }
    if (!claims.admin) throw new AdminAuthException(AdminAuthErrorCode.Forbidden, 'the admin API is for Portcullis admins only');
    return { userId: claims.sub, email: claims.email, name: claims.name, groups: claims.groups };
  }
}
