import { Controller, Get, Req, Res, UseFilters, UseGuards } from '@nestjs/common';
import type { Request, Response } from 'express';
import { SESSION_COOKIE, SessionsService } from '../sessions/sessions.service';
import { UserEntity } from '../users/user.entity';
import { LOGIN_STATE_COOKIE } from './login-state.store';
import { OidcAuthGuard } from './oidc-auth.guard';
import { OidcExceptionFilter } from './oidc-exception.filter';

type CallbackRequest = Request & { user: UserEntity; loginReturnTo?: string; cookies: Record<string, string> };

@Controller('auth')
@UseFilters(OidcExceptionFilter)
export class OidcController {
  constructor(private readonly sessions: SessionsService) {}

  /** Redirects to the IdP (the guard does it). */
  @Get('login')
  @UseGuards(OidcAuthGuard)
  login(): void {
    // never reached: the guard answers with the redirect
  }

  @Get('callback')
  @UseGuards(OidcAuthGuard)
  async callback(@Req() req: CallbackRequest, @Res() res: Response): Promise<void> {
    const { token, expiresAt } = await this.sessions.start(req.user.id);
    res.clearCookie(LOGIN_STATE_COOKIE, { path: '/auth' });
    res.cookie(SESSION_COOKIE, token, this.sessions.cookieOptions(expiresAt));
    res.redirect(303, req.loginReturnTo ?? '/');
  }
}
