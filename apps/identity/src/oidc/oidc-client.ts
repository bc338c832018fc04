import { Inject, Injectable } from '@nestjs/common';
import { ROOT_LOGGER, SERVICE_CONFIG } from '@portcullis/platform/service';
import { createRemoteJWKSet, jwtVerify, JWTVerifyGetKey } from 'jose';
import passport from 'passport';
import { Strategy, VerifyFunction } from 'passport-openidconnect';
import type { Logger } from 'pino';
import { IdentityConfig } from '../config/identity.config';
import { UserEntity } from '../users/user.entity';
import { UsersService } from '../users/users.service';
import { LoginStateStore } from './login-state.store';
import { OidcErrorCode, OidcException } from './oidc.exception';

export const OIDC_STRATEGY = 'openidconnect';

interface DiscoveryDocument {
  issuer: string;
  authorization_endpoint: string;
  token_endpoint: string;
  userinfo_endpoint?: string;
  jwks_uri: string;
  end_session_endpoint?: string;
}

type Claims = Record<string, unknown>;

/**
 * The relying party. The IdP's endpoints come from its discovery document, fetched on the
 * first sign-in (not at boot, so an IdP outage costs sign-ins, not the service) and cached.
 */
@Injectable()
export class OidcClient {
  private discovery?: DiscoveryDocument;
  private idTokenKeys?: JWTVerifyGetKey;

  constructor(
    @Inject(SERVICE_CONFIG) private readonly config: IdentityConfig,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
    private readonly states: LoginStateStore,
    private readonly users: UsersService,
  ) {}

  get endSessionUrl(): string | undefined {
    return this.discovery?.end_session_endpoint;
  }

  async ensureStrategy(): Promise<void> {
    if (this.discovery) return;
    const discovery = await this.fetchDiscovery();
    // ID tokens only ever arrive from the token endpoint, so refetching the IdP's keys on an
    // unknown kid cannot be abused; a short cooldown picks up an IdP key rotation at once.
    this.idTokenKeys = createRemoteJWKSet(new URL(discovery.jwks_uri), { timeoutDuration: this.config.OIDC_TIMEOUT_MS, cooldownDuration: 1_000 });
    const strategy = new Strategy(
      {
        issuer: discovery.issuer,
        authorizationURL: discovery.authorization_endpoint,
        tokenURL: discovery.token_endpoint,
        userInfoURL: discovery.userinfo_endpoint,
        clientID: this.config.OIDC_CLIENT_ID,
        clientSecret: this.config.OIDC_CLIENT_SECRET,
        callbackURL: this.config.OIDC_REDIRECT_URL,
        // The strategy adds `openid` itself.
        scope: this.config.OIDC_SCOPES.split(/\s+/).filter((scope) => scope && scope !== 'openid'),
        nonce: 'true',
        store: this.states,
      } as ConstructorParameters<typeof Strategy>[0],
      // The 9-argument form is the one that hands over the raw ID token; the type definitions
      // describe only the shorter forms.
      ((
        _issuer: string,
        userinfo: { _json?: Claims },
        _idProfile: unknown,
        _context: unknown,
        idToken: string,
        _accessToken: string,
        _refreshToken: string,
        _params: unknown,
        done: (error: Error | null, user?: UserEntity) => void,
      ) => {
        this.completeLogin(idToken, userinfo._json ?? {}).then(
          (user) => done(null, user),
          (error: Error) => done(error),
        );
      }) as unknown as VerifyFunction,
    );
    passport.use(OIDC_STRATEGY, strategy);
    this.discovery = discovery;
  }

  private async fetchDiscovery(): Promise<DiscoveryDocument> {
    const issuer = this.config.OIDC_ISSUER_URL.replace(/\/$/, '');
    const url = `${issuer}/.well-known/openid-configuration`;
    let document: DiscoveryDocument;
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(this.config.OIDC_TIMEOUT_MS) });
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      document = (await response.json()) as DiscoveryDocument;
    } catch (error) {
      this.logger.warn({ url, err: error }, 'identity provider discovery failed');
      throw new OidcException(OidcErrorCode.IdpUnavailable, `The identity provider at ${issuer} could not be reached.`);
    }
    if (document.issuer?.replace(/\/$/, '') !== issuer || !document.authorization_endpoint || !document.token_endpoint || !document.jwks_uri) {
      throw new OidcException(OidcErrorCode.IdpUnavailable, `The identity provider at ${issuer} published an unusable discovery document.`);
    }
    return document;
  }

  /**
   * passport-openidconnect 0.1 checks the ID token's claims but not its signature; the token
   * came straight from the token endpoint, but a credential is verified, never assumed.
   */
  private async completeLogin(idToken: string, userinfo: Claims): Promise<UserEntity> {
    if (!this.discovery || !this.idTokenKeys) throw new OidcException(OidcErrorCode.IdpUnavailable, 'sign-in is not configured');
    let claims: Claims;
    try {
      ({ payload: claims } = await jwtVerify(idToken, this.idTokenKeys, {
        issuer: this.discovery.issuer,
        audience: this.config.OIDC_CLIENT_ID,
        clockTolerance: 30,
      }));
    } catch (error) {
      this.logger.warn({ err: error }, 'ID token verification failed');
      throw new OidcException(OidcErrorCode.InvalidCallback, 'The identity provider returned an ID token that does not verify.');
    }
    if (userinfo['sub'] !== undefined && userinfo['sub'] !== claims['sub']) {
      throw new OidcException(OidcErrorCode.InvalidCallback, 'The userinfo response belongs to another subject.');
    }
    const groupsClaim = this.config.OIDC_GROUPS_CLAIM;
    return this.users.recordLogin({
      issuer: this.discovery.issuer,
      subject: String(claims['sub']),
      email: emailClaim(claims['email'] ?? userinfo['email']),
      displayName: stringClaim(claims['name'] ?? userinfo['name'] ?? claims['preferred_username']),
      groups: groupList(claims[groupsClaim] ?? userinfo[groupsClaim]),
    });
  }
}

function stringClaim(value: unknown): string | null {
  return typeof value === 'string' && value.length > 0 ? value : null;
}

function emailClaim(value: unknown): string | null {
  const email = stringClaim(value);
  return email && /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email) ? email : null;
}

/** IdPs send groups as an array, or (some) as one space- or comma-separated string. */
function groupList(value: unknown): string[] {
  if (Array.isArray(value)) return value.filter((group): group is string => typeof group === 'string' && group.length > 0);
  if (typeof value === 'string') return value.split(/[\s,]+/).filter(Boolean);
  return [];
}
