import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import type { Request } from 'express';
import { ActiveSession, SESSION_COOKIE, SessionsService } from '../sessions/sessions.service';
import { PortalErrorCode, PortalException } from './portal.exception';

export type PortalRequest = Request & { cookies: Record<string, string>; portal: ActiveSession };

/** Resolves the session cookie; the portal API serves signed-in people only. */
@Injectable()
export class PortalSessionGuard implements CanActivate {
  constructor(private readonly sessions: SessionsService) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const req = context.switchToHttp().getRequest<PortalRequest>();
    const active = await this.sessions.resolve(req.cookies?.[SESSION_COOKIE]);
    if (!active) throw new PortalException(PortalErrorCode.Unauthenticated, 'Sign in first.');
    req.portal = active;
    return true;
  }
}
