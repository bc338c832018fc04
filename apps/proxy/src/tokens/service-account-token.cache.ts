import { Inject, Injectable } from '@nestjs/common';
import { SaTokenEnsureV1 } from '@portcullis/contracts';
import { Requester } from '@portcullis/platform/messaging';
import { SERVICE_CONFIG } from '@portcullis/platform/service';
import { ProxyConfig } from '../config/proxy.config';
import { groupsKey } from '../credentials/groups-key';

export interface TokenSubject {
  userId: string;
  groups: readonly string[];
  cluster: string;
}

interface CachedToken {
  token: string;
  /** After this the token is not handed out any more (its expiry minus the refresh margin). */
  usableUntil: number;
}

/**
 * The person's just-in-time ServiceAccount token per cluster, from sa-provisioner. Kept in memory
 * only, until shortly before it expires; concurrent first requests for the same person and
 * cluster wait on one provisioning. This is the only cluster credential the proxy ever sees.
 */
@Injectable()
export class ServiceAccountTokenCache {
  private readonly tokens = new Map<string, CachedToken>();
  private readonly inFlight = new Map<string, Promise<string>>();
  private readonly marginMs: number;
  private readonly timeoutMs: number;

  constructor(
    private readonly requester: Requester,
    @Inject(SERVICE_CONFIG) config: ProxyConfig,
  ) {
    this.marginMs = config.SA_TOKEN_REFRESH_MARGIN_SECONDS * 1000;
    this.timeoutMs = config.SA_TOKEN_TIMEOUT_MS;
  }

  /** A usable cached token, without asking the provisioner. */
  peek(subject: TokenSubject): string | undefined {
    return this.usable(cacheKey(subject));
  }

  /** Throws the requester's errors (timeout, no responders, the provisioner's coded errors). */
  get(subject: TokenSubject): Promise<string> {
    const key = cacheKey(subject);
    const cached = this.usable(key);
    if (cached !== undefined) return Promise.resolve(cached);
    const pending = this.inFlight.get(key);
    if (pending) return pending;
    const request = this.fetch(key, subject).finally(() => {
      if (this.inFlight.get(key) === request) this.inFlight.delete(key);
    });
    this.inFlight.set(key, request);
    return request;
  }

  private usable(key: string): string | undefined {
    const cached = this.tokens.get(key);
    return cached && Date.now() < cached.usableUntil ? cached.token : undefined;
  }

  /** The cluster refused the token, or its ServiceAccount is gone: the next request provisions again. */
  forget(userId: string, cluster: string): void {
    const prefix = `${userId}\n${cluster}\n`;
    for (const key of [...this.tokens.keys(), ...this.inFlight.keys()]) {
      if (key.startsWith(prefix)) {
        this.tokens.delete(key);
        this.inFlight.delete(key);
      }
    }
  }

  private async fetch(key: string, subject: TokenSubject): Promise<string> {
    const { token, expiresAt } = await this.requester.request(
      SaTokenEnsureV1,
      // The credential carries no email; the provisioner keeps the one identity recorded.
      { userId: subject.userId, email: null, groups: [...subject.groups], cluster: subject.cluster },
      { timeoutMs: this.timeoutMs },
    );
    const now = Date.now();
    const expiry = Date.parse(expiresAt);
    // A margin longer than half the token's life would make every request provision anew.
    const margin = Math.min(this.marginMs, Math.max(0, (expiry - now) / 2));
    if (this.inFlight.get(key) !== undefined) this.tokens.set(key, { token, usableUntil: expiry - margin });
    return token;
  }
}

function cacheKey(subject: TokenSubject): string {
  return `${subject.userId}\n${subject.cluster}\n${groupsKey(subject.groups)}`;
}
