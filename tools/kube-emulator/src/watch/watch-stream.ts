import type { KubeObject } from '../api/kube-object';
import { StatusError } from '../api/status-error';
import type { FieldSelector } from '../selectors/field-selector';
import type { LabelSelector } from '../selectors/label-selector';
import type { StoreEvent, StoredObject } from '../store/object-store';
import type { WatchHub } from './watch-hub';

// One client's watch: replays what it missed, then streams live events, one JSON object per line.
// An object that stops (or starts) matching the selectors is reported as DELETED (or ADDED), as the
// apiserver's watch cache does, so a client's view stays equal to a fresh filtered list.

export interface WatchSink {
  write(chunk: string): void;
  end(): void;
}

export interface WatchRequest {
  storageKey: string;
  namespace: string;
  labelSelector: LabelSelector;
  fieldSelector: FieldSelector;
  /** '' or '0': start with the current state as ADDED events; otherwise resume after it. */
  resourceVersion: string;
  sendInitialEvents: boolean;
  allowBookmarks: boolean;
  timeoutSeconds?: number;
  bookmarkIntervalMs: number;
  currentObjects(): StoredObject[];
  currentResourceVersion(): number;
  /** The `object` of an event, already JSON. */
  encode(stored: StoredObject): string;
  /** An empty object of the watched kind carrying only a resourceVersion (and annotations). */
  bookmarkObject(resourceVersion: number, annotations?: Record<string, string>): string;
}

export class WatchStream {
  private unsubscribe?: () => void;
  private timers: NodeJS.Timeout[] = [];
  private closed = false;

  constructor(
    private readonly hub: WatchHub,
    private readonly request: WatchRequest,
    private readonly sink: WatchSink,
  ) {}

  start(): void {
    const r = this.request;
    if (r.resourceVersion && r.resourceVersion !== '0' && !r.sendInitialEvents) {
      const since = Number(r.resourceVersion);
      const missed = Number.isInteger(since) ? this.hub.eventsSince(r.storageKey, since) : undefined;
      if (!missed) {
        const status = StatusError.expired(`too old resource version: ${r.resourceVersion} (${this.hub.oldestResourceVersion})`);
        this.sink.write(`{"type":"ERROR","object":${JSON.stringify(status.toStatus())}}\n`);
        this.close();
        return;
      }
      for (const e of missed) this.deliver(e);
    } else {
      for (const stored of r.currentObjects()) {
        if (this.matches(stored.object)) this.send('ADDED', r.encode(stored));
      }
      if (r.sendInitialEvents && r.allowBookmarks) {
        this.send(
          'BOOKMARK',
          r.bookmarkObject(r.currentResourceVersion(), { 'k8s.io/initial-events-end': 'true' }),
        );
      }
    }
    this.unsubscribe = this.hub.subscribe(r.storageKey, (e) => this.deliver(e));
    if (r.allowBookmarks) {
      const timer = setInterval(() => this.send('BOOKMARK', r.bookmarkObject(r.currentResourceVersion())), r.bookmarkIntervalMs);
      this.timers.push(timer);
    }
    if (r.timeoutSeconds && r.timeoutSeconds > 0) {
      this.timers.push(setTimeout(() => this.close(), r.timeoutSeconds * 1000));
    }
  }

  /** Ends the stream (timeout, server stop) or forgets it (client gone). */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.unsubscribe?.();
    for (const t of this.timers) clearTimeout(t);
    this.sink.end();
  }

  private deliver(event: StoreEvent): void {
    if (this.closed) return;
    const nowMatches = this.matches(event.object.object);
    const wasMatching = event.previous ? this.matches(event.previous.object) : false;
    const encoded = () => this.request.encode(event.object);
    switch (event.type) {
      case 'ADDED':
        if (nowMatches) this.send('ADDED', encoded());
        break;
      case 'MODIFIED':
        if (nowMatches && wasMatching) this.send('MODIFIED', encoded());
        else if (nowMatches) this.send('ADDED', encoded());
        else if (wasMatching) this.send('DELETED', encoded());
        break;
      case 'DELETED':
        if (wasMatching) this.send('DELETED', encoded());
        break;
    }
  }

  private matches(obj: KubeObject): boolean {
    const r = this.request;
    if (r.namespace && obj.metadata.namespace !== r.namespace) return false;
    return r.labelSelector.matches(obj.metadata.labels) && r.fieldSelector.matches(obj);
  }

  private send(type: string, objectJson: string): void {
    if (!this.closed) this.sink.write(`{"type":"${type}","object":${objectJson}}\n`);
  }
}
