import { timingSafeEqual } from 'node:crypto';
import type { UserInfo } from '../api/kube-object';
import type { Clock } from '../clock';
import type { ObjectStore } from '../store/object-store';
import type { ServiceAccountTokenIssuer } from './service-account-token-issuer';

// Who is calling: a client certificate signed by the emulator's CA (CN = user, O = groups), the
// static admin token, a static token from the seed, or a ServiceAccount token from TokenRequest.
// Like kube-apiserver, successful token authentications are cached for a short while (10 s by
// default), so a deleted ServiceAccount's token keeps working until the cache entry expires.

export interface PeerCertificate {
  authorized: boolean;
  subject?: { CN?: string | string[]; O?: string | string[] };
}

export interface Credentials {
  bearerToken?: string;
  certificate?: PeerCertificate;
}

export type TokenAuthentication = { user: UserInfo; audiences: string[] } | { error: string };

interface CacheEntry {
  result: { user: UserInfo; audiences: string[] };
  expiresAt: number;
}

const MAX_CACHE_ENTRIES = 10_000;

export class Authenticator {
  private readonly cache = new Map<string, CacheEntry>();

  constructor(
    private readonly store: ObjectStore,
    private readonly issuer: ServiceAccountTokenIssuer,
    private readonly clock: Clock,
    private readonly staticTokens: Map<string, UserInfo>,
    private readonly cacheTtlMs: number,
  ) {}

  /** The authenticated user, or undefined (answered 401). */
  async authenticate(credentials: Credentials): Promise<UserInfo | undefined> {
    const fromCertificate = this.fromCertificate(credentials.certificate);
    if (fromCertificate) return fromCertificate;
    if (!credentials.bearerToken) return undefined;
    const result = await this.authenticateToken(credentials.bearerToken);
    return 'user' in result ? result.user : undefined;
  }

  /** Token authentication as TokenReview exposes it; `audiences` defaults to the API server's own. */
  async authenticateToken(token: string, audiences: string[] = [this.issuer.issuer]): Promise<TokenAuthentication> {
    const cacheKey = `${audiences.join(',')}\n${token}`;
    const cached = this.cache.get(cacheKey);
    const now = this.clock.now();
    if (cached && cached.expiresAt > now) return cached.result;
    if (cached) this.cache.delete(cacheKey);

    for (const [known, user] of this.staticTokens) {
      if (sameSecret(known, token)) return { user: withAuthenticatedGroup(user), audiences };
    }
    const verified = await this.issuer.verify(token);
    if ('error' in verified) return { error: verified.error };
    const { claims } = verified;
    const granted = claims.aud.filter((a) => audiences.includes(a));
    if (granted.length === 0) return { error: 'token audiences do not match' };
    const k8s = claims['kubernetes.io'];
    const sa = this.store.get('/serviceaccounts', k8s.namespace, k8s.serviceaccount.name);
    if (!sa) return { error: `serviceaccounts "${k8s.serviceaccount.name}" not found` };
    if (sa.object.metadata.uid !== k8s.serviceaccount.uid) {
      return { error: `service account UID (${sa.object.metadata.uid}) does not match claim (${k8s.serviceaccount.uid})` };
    }
    for (const [kind, resource] of [['pod', '/pods'], ['secret', '/secrets']] as const) {
      const ref = k8s[kind];
      if (!ref) continue;
      const bound = this.store.get(resource, k8s.namespace, ref.name);
      if (!bound || bound.object.metadata.deletionTimestamp) return { error: `${resource.slice(1)} "${ref.name}" not found` };
      if (bound.object.metadata.uid !== ref.uid) {
        return { error: `${kind} UID (${bound.object.metadata.uid}) does not match claim (${ref.uid})` };
      }
    }
    const extra: Record<string, string[]> = { 'authentication.kubernetes.io/credential-id': [`JTI=${claims.jti}`] };
    if (k8s.pod) {
      extra['authentication.kubernetes.io/pod-name'] = [k8s.pod.name];
      extra['authentication.kubernetes.io/pod-uid'] = [k8s.pod.uid];
    }
    const result = {
      user: {
        username: claims.sub,
        uid: k8s.serviceaccount.uid,
        groups: ['system:serviceaccounts', `system:serviceaccounts:${k8s.namespace}`, 'system:authenticated'],
        extra,
      },
      audiences: granted,
    };
    if (this.cacheTtlMs > 0) {
      if (this.cache.size >= MAX_CACHE_ENTRIES) this.cache.delete(this.cache.keys().next().value!);
      this.cache.set(cacheKey, { result, expiresAt: Math.min(now + this.cacheTtlMs, claims.exp * 1000) });
    }
    return result;
  }

  private fromCertificate(certificate: PeerCertificate | undefined): UserInfo | undefined {
    if (!certificate?.authorized || !certificate.subject?.CN) return undefined;
    const cn = certificate.subject.CN;
    const organisations = certificate.subject.O;
    return withAuthenticatedGroup({
      username: Array.isArray(cn) ? cn[0] : cn,
      groups: organisations === undefined ? [] : Array.isArray(organisations) ? organisations : [organisations],
    });
  }
}

export function withAuthenticatedGroup(user: UserInfo): UserInfo {
  if (user.groups.includes('system:authenticated') || user.username === 'system:anonymous') return user;
  return { ...user, groups: [...user.groups, 'system:authenticated'] };
}

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
