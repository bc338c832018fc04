import { CanActivate, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { PlatformTokenError, PlatformTokenVerifier } from '@portcullis/platform/auth';
import type { Request } from 'express';
import { ExportErrorCode, ExportException } from './export.exception';

/** null when PLATFORM_JWT_ISSUER and IDENTITY_JWKS_URL are not configured. */
export const EXPORT_TOKEN_VERIFIER = Symbol('EXPORT_TOKEN_VERIFIER');

/** The export is for Portcullis admins: a valid platform JWT from identity with `admin: true`. */
@Injectable()
export class AdminTokenGuard implements CanActivate {
  constructor(@Inject(EXPORT_TOKEN_VERIFIER) private readonly verifier: PlatformTokenVerifier | null) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (!this.verifier) throw new ExportException(ExportErrorCode.NotConfigured, 'The HTTP export is off: PLATFORM_JWT_ISSUER and IDENTITY_JWKS_URL are not set.');
    const request = context.switchToHttp().getRequest<Request>();
    let admin: boolean;
    try {
      ({ admin } = await this.verifier.verifyAuthorizationHeader(request.headers.authorization));
    } catch (error) {
      if (error instanceof PlatformTokenError) throw new ExportException(ExportErrorCode.Unauthenticated, error.message);
      throw error;
    }
    if (!admin) throw new ExportException(ExportErrorCode.Forbidden, 'Only Portcullis admins export the audit trail.');
    return true;
  }
}
