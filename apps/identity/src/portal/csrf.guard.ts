import { CanActivate, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { SERVICE_CONFIG } from '@portcullis/platform/service';
import { timingSafeEqual } from 'node:crypto';
import { IdentityConfig } from '../config/identity.config';
import { SESSION_COOKIE, SessionsService } from '../sessions/sessions.service';
import { PortalRequest } from './portal-session.guard';
import { PortalErrorCode, PortalException } from './portal.exception';

function sameToken(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

/**
 * State-changing requests must carry the session's synchronizer token in X-CSRF-Token, and a
 * cross-origin Origin is refused outright; SameSite=Lax cookies are the second line, not the only one.
 */
@Injectable()
export class CsrfGuard implements CanActivate {
  constructor(
    private readonly sessions: SessionsService,
    @Inject(SERVICE_CONFIG) private readonly config: IdentityConfig,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const req = context.switchToHttp().getRequest<PortalRequest>();
    const origin = req.headers.origin;
    if (origin && origin !== new URL(this.config.PUBLIC_URL).origin) {
      throw new PortalException(PortalErrorCode.Forbidden, 'Cross-origin request refused.');
    }
    const active = req.portal ?? (await this.sessions.resolve(req.cookies?.[SESSION_COOKIE]));
    if (!active) throw new PortalException(PortalErrorCode.Unauthenticated, 'Sign in first.');
    const sent = req.headers['x-csrf-token'];
    if (typeof sent !== 'string' || !sameToken(sent, active.session.csrfToken)) {
      throw new PortalException(PortalErrorCode.Forbidden, 'Missing or wrong CSRF token; reload the page.');
    }
    req.portal = active;
    return true;
  }
}
