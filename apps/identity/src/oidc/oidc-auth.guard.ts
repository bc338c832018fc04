import { ExecutionContext, Injectable } from '@nestjs/common';
import { AuthGuard } from '@nestjs/passport';
import { UsersErrorCode, UsersException } from '../users/users.exception';
import { OIDC_STRATEGY, OidcClient } from './oidc-client';
import { OidcErrorCode, OidcException } from './oidc.exception';

/** Runs passport-openidconnect and turns its outcomes into coded OIDC exceptions. */
@Injectable()
export class OidcAuthGuard extends AuthGuard(OIDC_STRATEGY) {
  constructor(private readonly oidc: OidcClient) {
    super({ session: false });
  }

  override async canActivate(context: ExecutionContext): Promise<boolean> {
    await this.oidc.ensureStrategy();
    return (await super.canActivate(context)) as boolean;
  }

  override handleRequest<TUser>(error: unknown, user: TUser, info: { message?: string } | undefined): TUser {
    if (error instanceof OidcException) throw error;
    if (error instanceof UsersException && error.code === UsersErrorCode.Disabled) {
      throw new OidcException(OidcErrorCode.AccessDenied, 'Your Portcullis account is disabled. Ask your platform team.');
    }
    if (error) {
      const name = (error as Error).name;
      // TokenError: the IdP rejected the code (reused, expired); AuthorizationError: it reported an error.
      if (name === 'TokenError' || name === 'AuthorizationError') {
        throw new OidcException(OidcErrorCode.InvalidCallback, `The identity provider rejected the sign-in: ${(error as Error).message}`);
      }
      throw new OidcException(OidcErrorCode.IdpUnavailable, 'The identity provider could not be reached to complete the sign-in.');
    }
    if (!user) {
      const message = info?.message ?? 'The sign-in was not completed.';
      if (/state|nonce/i.test(message)) throw new OidcException(OidcErrorCode.InvalidCallback, `The sign-in response did not match this browser's request (${message}). Please sign in again.`);
      throw new OidcException(OidcErrorCode.AccessDenied, `The identity provider refused the sign-in${info?.message ? `: ${info.message}` : '.'}`);
    }
    return user;
  }
}
