import { Injectable } from '@nestjs/common';
import { PolicyEffectiveAccessV1 } from '@portcullis/contracts';
import { Requester } from '@portcullis/platform/messaging';
import { AccessView } from './access-view';
import { groupsKey } from '../credentials/groups-key';

// Policy events invalidate the cache at once; the age limit only bounds the damage of an event
// this replica never saw (e.g. a stream deleted by an operator).
const MAX_AGE_MS = 5 * 60_000;
const MAX_ENTRIES = 50_000;
const MAX_ATTEMPTS = 5;

interface CachedView {
  view: AccessView;
  fetchedAt: number;
}

/**
 * Effective access per (user, groups snapshot), filled from policy by request/reply and dropped
 * on every policy change. Concurrent misses for the same key share one request.
 */
@Injectable()
export class EffectiveAccessCache {
  private readonly views = new Map<string, CachedView>();
  private readonly inFlight = new Map<string, Promise<AccessView>>();
  private generation = 0;

  constructor(private readonly requester: Requester) {}

  /** The cached view while it is fresh, without asking anyone. */
  peek(userId: string, groups: readonly string[]): AccessView | undefined {
    return this.fresh(cacheKey(userId, groups));
  }

  /** Throws the requester's errors (timeout, no responders) when policy cannot be asked. */
  get(userId: string, groups: readonly string[]): Promise<AccessView> {
    const key = cacheKey(userId, groups);
    const cached = this.fresh(key);
    if (cached) return Promise.resolve(cached);
    const pending = this.inFlight.get(key);
    if (pending) return pending;
    const request = this.fetch(key, userId, groups).finally(() => {
      if (this.inFlight.get(key) === request) this.inFlight.delete(key);
    });
    this.inFlight.set(key, request);
    return request;
  }

  private fresh(key: string): AccessView | undefined {
    const cached = this.views.get(key);
    return cached && Date.now() - cached.fetchedAt < MAX_AGE_MS ? cached.view : undefined;
  }

  /** Every cached view may be stale: a grant, role or cluster changed. */
  invalidate(): void {
    this.generation++;
    this.views.clear();
    this.inFlight.clear();
  }

  private async fetch(key: string, userId: string, groups: readonly string[]): Promise<AccessView> {
    for (let attempt = 1; ; attempt++) {
      const generation = this.generation;
      const answer = await this.requester.request(PolicyEffectiveAccessV1, { userId, groups: [...groups] });
      // An answer that crossed a policy change may predate it: ask again rather than act on it
      // (a few times: a storm of changes must not starve the request).
      if (generation !== this.generation && attempt < MAX_ATTEMPTS) continue;
      const view = new AccessView(answer.entries);
      if (this.views.size >= MAX_ENTRIES) this.views.clear();
      this.views.set(key, { view, fetchedAt: Date.now() });
      return view;
    }
  }
}

function cacheKey(userId: string, groups: readonly string[]): string {
  return `${userId}\n${groupsKey(groups)}`;
}
