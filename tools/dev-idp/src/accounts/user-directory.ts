import { createHash, timingSafeEqual } from 'node:crypto';
import { subjectOf, type DevIdpUser } from '../config/dev-idp-config';

export type Authentication =
  | { readonly outcome: 'authenticated'; readonly sub: string }
  | { readonly outcome: 'invalid-credentials' }
  | { readonly outcome: 'disabled' };

/** The claims the IdP can release about a user; oidc-provider keeps only those the granted scopes allow. */
export interface UserClaims {
  sub: string;
  preferred_username: string;
  name?: string;
  email?: string;
  email_verified?: boolean;
  groups: string[];
}

/** The configured users, looked up by username at sign-in and by `sub` afterwards. */
export class UserDirectory {
  private readonly byUsername: ReadonlyMap<string, DevIdpUser>;
  private readonly bySubject: ReadonlyMap<string, DevIdpUser>;

  constructor(users: readonly DevIdpUser[]) {
    this.byUsername = new Map(users.map((user) => [user.username, user]));
    this.bySubject = new Map(users.map((user) => [subjectOf(user), user]));
  }

  /** The password is checked before the disabled flag, so only its holder learns an account is disabled. */
  authenticate(username: string, password: string): Authentication {
    const user = this.byUsername.get(username);
    if (!user || !samePassword(user.password, password)) return { outcome: 'invalid-credentials' };
    if (user.disabled) return { outcome: 'disabled' };
    return { outcome: 'authenticated', sub: subjectOf(user) };
  }

  /** Claims of an enabled user; a disabled or unknown `sub` has none, so no token is issued for it. */
  claimsOf(sub: string): UserClaims | undefined {
    const user = this.bySubject.get(sub);
    if (!user || user.disabled) return undefined;
    return {
      sub,
      preferred_username: user.username,
      ...(user.name === undefined ? {} : { name: user.name }),
      ...(user.email === undefined ? {} : { email: user.email, email_verified: true }),
      groups: [...user.groups],
    };
  }
}

/** Compares digests so the time taken does not depend on how much of the password matched. */
function samePassword(expected: string, given: string): boolean {
  const digest = (value: string) => createHash('sha256').update(value, 'utf8').digest();
  return timingSafeEqual(digest(expected), digest(given));
}
