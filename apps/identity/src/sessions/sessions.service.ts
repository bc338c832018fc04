import { Inject, Injectable } from '@nestjs/common';
import { SERVICE_CONFIG } from '@portcullis/platform/service';
import { createHash, randomBytes } from 'node:crypto';
import { DataSource, LessThan } from 'typeorm';
import { IdentityConfig } from '../config/identity.config';
import { UserEntity } from '../users/user.entity';
import { SessionEntity } from './session.entity';

export const SESSION_COOKIE = 'portcullis_session';

export interface ActiveSession {
  session: SessionEntity;
  user: UserEntity;
}

function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

@Injectable()
export class SessionsService {
  constructor(
    private readonly dataSource: DataSource,
    @Inject(SERVICE_CONFIG) private readonly config: IdentityConfig,
  ) {}

  /** Returns the cookie value; it is never stored. */
  async start(userId: string): Promise<{ token: string; expiresAt: Date }> {
    const sessions = this.dataSource.getRepository(SessionEntity);
    await sessions.delete({ expiresAt: LessThan(new Date()) });
    const token = randomBytes(32).toString('base64url');
    const expiresAt = new Date(Date.now() + this.config.SESSION_TTL_SECONDS * 1000);
    await sessions.insert({ tokenHash: hashToken(token), userId, csrfToken: randomBytes(24).toString('base64url'), expiresAt });
    return { token, expiresAt };
  }

  /** The live session and its (enabled) user, or null for an unknown, expired or disabled one. */
  async resolve(token: string | undefined): Promise<ActiveSession | null> {
    if (!token || token.length > 100) return null;
    const session = await this.dataSource.getRepository(SessionEntity).findOneBy({ tokenHash: hashToken(token) });
    if (!session || session.expiresAt.getTime() <= Date.now()) return null;
    const user = await this.dataSource.getRepository(UserEntity).findOneBy({ id: session.userId });
    if (!user || user.disabled) return null;
    return { session, user };
  }

  async end(token: string | undefined): Promise<void> {
    if (!token) return;
    await this.dataSource.getRepository(SessionEntity).delete({ tokenHash: hashToken(token) });
  }

  cookieOptions(expiresAt?: Date) {
    return {
      httpOnly: true,
      secure: this.config.SESSION_COOKIE_SECURE,
      sameSite: 'lax' as const,
      path: '/',
      ...(expiresAt ? { expires: expiresAt } : {}),
    };
  }
}
