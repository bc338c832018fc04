import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { PLATFORM_TOKEN_AUDIENCE } from '@portcullis/contracts';
import { SERVICE_CONFIG } from '@portcullis/platform/service';
import { JWK, SignJWT } from 'jose';
import { IdentityConfig } from '../config/identity.config';
import { UserEntity } from '../users/user.entity';
import { loadSigningKeys, SigningKey } from './signing-keys';

/** Issues the short-lived platform JWTs the portal and the admin API accept. */
@Injectable()
export class PlatformTokenSigner implements OnModuleInit {
  private keys: SigningKey[] = [];

  constructor(@Inject(SERVICE_CONFIG) private readonly config: IdentityConfig) {}

  async onModuleInit(): Promise<void> {
    this.keys = await loadSigningKeys(this.config.PLATFORM_JWT_SIGNING_KEYS_FILE);
  }

  get issuer(): string {
    return this.config.PUBLIC_URL.replace(/\/$/, '');
  }

  publicKeys(): { keys: JWK[] } {
    return { keys: this.keys.map((key) => key.publicJwk) };
  }

  async sign(user: UserEntity): Promise<{ token: string; expiresAt: Date }> {
    const [current] = this.keys;
    const expiresAt = new Date(Date.now() + this.config.PLATFORM_TOKEN_TTL_SECONDS * 1000);
    const token = await new SignJWT({ email: user.email, name: user.displayName, groups: user.groups, admin: user.admin })
      .setProtectedHeader({ alg: 'ES256', kid: current.kid, typ: 'JWT' })
      .setIssuer(this.issuer)
      .setSubject(user.id)
      .setAudience(PLATFORM_TOKEN_AUDIENCE)
      .setIssuedAt()
      .setExpirationTime(Math.floor(expiresAt.getTime() / 1000))
      .sign(current.privateKey);
    return { token, expiresAt };
  }
}
