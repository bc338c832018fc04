import type { StoreEvent } from '../store/object-store';

// Fans store changes out to open watches and keeps a bounded window of recent events so a watch can
// resume from a resourceVersion, like the apiserver's watch cache. A resourceVersion older than the
// window answers 410 Expired, which makes clients re-list (the behaviour informers rely on).

export class WatchHub {
  private readonly history: StoreEvent[] = [];
  private historyHead = 0;
  /** Every event after this resourceVersion is still in the window. */
  private oldestResumable = 0;
  private readonly subscribers = new Map<string, Set<(event: StoreEvent) => void>>();

  constructor(private readonly historyLimit = 1000) {}

  publish(event: StoreEvent): void {
    if (this.history.length < this.historyLimit) this.history.push(event);
    else {
      this.oldestResumable = this.history[this.historyHead].resourceVersion;
      this.history[this.historyHead] = event;
      this.historyHead = (this.historyHead + 1) % this.historyLimit;
    }
    const subscribers = this.subscribers.get(event.storageKey);
    if (subscribers) for (const s of subscribers) s(event);
  }

  subscribe(storageKey: string, listener: (event: StoreEvent) => void): () => void {
    let set = this.subscribers.get(storageKey);
    if (!set) {
      set = new Set();
      this.subscribers.set(storageKey, set);
    }
    set.add(listener);
    return () => set.delete(listener);
  }

  /** Events of one resource after `resourceVersion`, or undefined when the window no longer covers it. */
  eventsSince(storageKey: string, resourceVersion: number): StoreEvent[] | undefined {
    if (resourceVersion < this.oldestResumable) return undefined;
    const ordered = [...this.history.slice(this.historyHead), ...this.history.slice(0, this.historyHead)];
    return ordered.filter((e) => e.storageKey === storageKey && e.resourceVersion > resourceVersion);
  }

  get oldestResourceVersion(): number {
    return this.oldestResumable;
  }

  get watcherCount(): number {
    let n = 0;
    for (const set of this.subscribers.values()) n += set.size;
    return n;
  }
}
