/**
 * When to try a cluster again after it failed: 1 s, doubling up to 5 minutes, reset by a
 * success. Keeps background work from hammering a cluster that is down, and from letting one
 * such cluster hold up the others.
 */
export class ClusterBackoff {
  private readonly failures = new Map<string, { count: number; retryAt: number }>();

  constructor(
    private readonly baseMs = 1_000,
    private readonly maxMs = 300_000,
  ) {}

  /** Returns the delay before the next attempt. */
  failed(cluster: string, now = Date.now()): number {
    const count = (this.failures.get(cluster)?.count ?? 0) + 1;
    const delayMs = Math.min(this.maxMs, this.baseMs * 2 ** (count - 1));
    this.failures.set(cluster, { count, retryAt: now + delayMs });
    return delayMs;
  }

  succeeded(cluster: string): void {
    this.failures.delete(cluster);
  }

  isWaiting(cluster: string, now = Date.now()): boolean {
    return (this.failures.get(cluster)?.retryAt ?? 0) > now;
  }

  waiting(now = Date.now()): string[] {
    return [...this.failures].filter(([, state]) => state.retryAt > now).map(([cluster]) => cluster);
  }

  /** Milliseconds until the earliest waiting cluster may be tried again; null when none waits. */
  nextRetryIn(now = Date.now()): number | null {
    const waits = [...this.failures.values()].map((state) => state.retryAt - now).filter((ms) => ms > 0);
    return waits.length ? Math.min(...waits) : null;
  }
}
