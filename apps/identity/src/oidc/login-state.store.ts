import { Inject, Injectable } from '@nestjs/common';
import { SERVICE_CONFIG } from '@portcullis/platform/service';
import { createHash, randomBytes } from 'node:crypto';
import type { Request } from 'express';
import { DataSource, LessThan } from 'typeorm';
import { IdentityConfig } from '../config/identity.config';
import { LoginStateEntity } from './login-state.entity';

export const LOGIN_STATE_COOKIE = 'portcullis_login';
const LOGIN_STATE_TTL_MS = 10 * 60 * 1000;

type StoreCallback = (error: Error | null, handle?: string) => void;
type VerifyCallback = (error: Error | null, ctx?: false | { nonce?: string }, appState?: unknown) => void;

function hash(handle: string): string {
  return createHash('sha256').update(handle).digest('hex');
}

/**
 * passport-openidconnect's state store, without express-session: the state's nonce lives in
 * PostgreSQL (any replica can finish the sign-in) and the handle also in a cookie, so a
 * callback only completes in the browser that started it (no login CSRF).
 */
@Injectable()
export class LoginStateStore {
  constructor(
    private readonly dataSource: DataSource,
    @Inject(SERVICE_CONFIG) private readonly config: IdentityConfig,
  ) {}

  store(req: Request, ctx: { nonce?: string }, _appState: unknown, _meta: unknown, done: StoreCallback): void {
    const handle = randomBytes(24).toString('base64url');
    const returnTo = typeof req.query['returnTo'] === 'string' && /^\/(?!\/)[\w\-./?=&%]*$/.test(req.query['returnTo']) ? req.query['returnTo'] : '/';
    const states = this.dataSource.getRepository(LoginStateEntity);
    states
      .delete({ createdAt: LessThan(new Date(Date.now() - LOGIN_STATE_TTL_MS)) })
      .then(() => states.insert({ handleHash: hash(handle), nonce: ctx.nonce ?? '', returnTo }))
      .then(() => {
        req.res?.cookie(LOGIN_STATE_COOKIE, handle, {
          httpOnly: true,
          secure: this.config.SESSION_COOKIE_SECURE,
          sameSite: 'lax',
          path: '/auth',
          maxAge: LOGIN_STATE_TTL_MS,
        });
        done(null, handle);
      })
      .catch((error: Error) => done(error));
  }

  verify(req: Request, handle: string, done: VerifyCallback): void {
    const cookies = (req as Request & { cookies?: Record<string, string> }).cookies ?? {};
    if (!handle || cookies[LOGIN_STATE_COOKIE] !== handle) {
      done(null, false, { message: 'Invalid authorization request state.' });
      return;
    }
    this.dataSource
      .transaction(async (manager) => {
        const states = manager.getRepository(LoginStateEntity);
        const state = await states.findOne({ where: { handleHash: hash(handle) }, lock: { mode: 'pessimistic_write' } });
        if (!state) return null;
        await states.delete({ handleHash: state.handleHash });
        return state.createdAt.getTime() > Date.now() - LOGIN_STATE_TTL_MS ? state : null;
      })
      .then((state) => {
        if (!state) return done(null, false, { message: 'Unable to verify authorization request state.' });
        (req as Request & { loginReturnTo?: string }).loginReturnTo = state.returnTo;
        return done(null, { nonce: state.nonce || undefined });
      })
      .catch((error: Error) => done(error));
  }
}
