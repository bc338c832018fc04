import type { KubeObject } from '../api/kube-object';
import { WatchHub } from '../watch/watch-hub';

// In-memory storage with one global resourceVersion counter (as etcd's revision is global).
// Each stored version is immutable and keeps its JSON encodings, so a list of a thousand objects is a
// string concatenation rather than a thousand serialisations, and every watcher shares one encoding.

export class StoredObject {
  /** JSON without apiVersion/kind: how items appear inside a List. */
  readonly itemJson: string;
  /** JSON with apiVersion/kind first, as a single-object response or watch event carries it. */
  readonly json: string;

  constructor(
    /** Never mutate: shared with watchers and history. Clone before changing. */
    readonly object: KubeObject,
    readonly resourceVersion: number,
  ) {
    const { apiVersion, kind, ...rest } = object;
    this.itemJson = JSON.stringify(rest);
    this.json = `{"kind":${JSON.stringify(kind)},"apiVersion":${JSON.stringify(apiVersion)},${this.itemJson.slice(1)}`;
  }

  get namespace(): string {
    return this.object.metadata.namespace ?? '';
  }

  get name(): string {
    return this.object.metadata.name ?? '';
  }
}

export type StoreEventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface StoreEvent {
  type: StoreEventType;
  storageKey: string;
  resourceVersion: number;
  object: StoredObject;
  /** The version before a MODIFIED or DELETED event. */
  previous?: StoredObject;
}

class Table {
  readonly objects = new Map<string, StoredObject>();
  private sortedKeys: string[] | undefined;

  keys(): string[] {
    // Sorted like etcd keys (<namespace>/<name>), so lists and continue tokens have a stable order.
    this.sortedKeys ??= [...this.objects.keys()].sort();
    return this.sortedKeys;
  }

  invalidateOrder(): void {
    this.sortedKeys = undefined;
  }
}

export function objectKey(namespace: string | undefined, name: string): string {
  return `${namespace ?? ''}/${name}`;
}

export class ObjectStore {
  private resourceVersion = 0;
  private readonly tables = new Map<string, Table>();
  private readonly listeners = new Set<(event: StoreEvent) => void>();

  constructor(readonly watchHub: WatchHub) {}

  get currentResourceVersion(): number {
    return this.resourceVersion;
  }

  /** Called for every change after the watch hub saw it (the store's own controllers hook in here). */
  onChange(listener: (event: StoreEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  get(storageKey: string, namespace: string | undefined, name: string): StoredObject | undefined {
    return this.tables.get(storageKey)?.objects.get(objectKey(namespace, name));
  }

  /** Objects of a resource in key order, optionally only one namespace's, starting after `afterKey`. */
  list(storageKey: string, namespace?: string, afterKey?: string): StoredObject[] {
    const table = this.tables.get(storageKey);
    if (!table) return [];
    let keys = table.keys();
    if (namespace) {
      const prefix = `${namespace}/`;
      const start = lowerBound(keys, prefix);
      const end = lowerBound(keys, `${namespace}0`); // '0' sorts right after '/'
      keys = keys.slice(start, end);
    }
    if (afterKey !== undefined) keys = keys.slice(upperBound(keys, afterKey));
    return keys.map((k) => table.objects.get(k)!);
  }

  /** Stores a new version of an object (created or replaced) under a fresh resourceVersion. */
  put(storageKey: string, object: KubeObject): StoredObject {
    const table = this.table(storageKey);
    const key = objectKey(object.metadata.namespace, object.metadata.name!);
    const previous = table.objects.get(key);
    const rv = ++this.resourceVersion;
    object.metadata.resourceVersion = String(rv);
    const stored = new StoredObject(object, rv);
    table.objects.set(key, stored);
    if (!previous) table.invalidateOrder();
    this.emit({ type: previous ? 'MODIFIED' : 'ADDED', storageKey, resourceVersion: rv, object: stored, previous });
    return stored;
  }

  /** Removes an object; the DELETED event carries its last state under a new resourceVersion. */
  remove(storageKey: string, namespace: string | undefined, name: string): StoredObject | undefined {
    const table = this.tables.get(storageKey);
    const key = objectKey(namespace, name);
    const previous = table?.objects.get(key);
    if (!table || !previous) return undefined;
    table.objects.delete(key);
    table.invalidateOrder();
    const rv = ++this.resourceVersion;
    const last = structuredClone(previous.object);
    last.metadata.resourceVersion = String(rv);
    const stored = new StoredObject(last, rv);
    this.emit({ type: 'DELETED', storageKey, resourceVersion: rv, object: stored, previous });
    return stored;
  }

  private table(storageKey: string): Table {
    let table = this.tables.get(storageKey);
    if (!table) {
      table = new Table();
      this.tables.set(storageKey, table);
    }
    return table;
  }

  private emit(event: StoreEvent): void {
    this.watchHub.publish(event);
    for (const listener of this.listeners) listener(event);
  }
}

function lowerBound(keys: string[], value: string): number {
  let lo = 0;
  let hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (keys[mid] < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function upperBound(keys: string[], value: string): number {
  let lo = 0;
  let hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (keys[mid] <= value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
