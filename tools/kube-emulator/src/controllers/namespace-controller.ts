import { storageKey, type ResourceRegistry } from '../api/resource-registry';
import type { ResourceStorage } from '../store/resource-storage';
import type { ObjectStore, StoreEvent } from '../store/object-store';

// What kube-controller-manager does for namespaces: every new namespace gets the `default`
// ServiceAccount and the `kube-root-ca.crt` ConfigMap; a namespace marked for deletion loses all
// its content and then disappears, after a short delay as on a real cluster (where it takes
// seconds): `kubectl delete -f` deletes a namespace first and its listed content right after.

export class NamespaceController {
  private readonly pending = new Set<NodeJS.Timeout>();

  constructor(
    private readonly store: ObjectStore,
    private readonly storage: ResourceStorage,
    private readonly registry: ResourceRegistry,
    private readonly caPem: string,
    private readonly finalizeDelayMs: number,
  ) {}

  attach(): void {
    this.store.onChange((event) => this.handle(event));
  }

  stop(): void {
    for (const p of this.pending) clearTimeout(p);
    this.pending.clear();
  }

  private handle(event: StoreEvent): void {
    if (event.storageKey !== '/namespaces' || event.type === 'DELETED') return;
    const name = event.object.name;
    if (event.object.object.metadata.deletionTimestamp) {
      if (!event.previous?.object.metadata.deletionTimestamp) this.later(() => this.finalize(name));
      return;
    }
    if (event.type === 'ADDED') this.populate(name);
  }

  private populate(namespace: string): void {
    const serviceAccounts = this.registry.require('', 'serviceaccounts');
    const configMaps = this.registry.require('', 'configmaps');
    if (!this.store.get('/serviceaccounts', namespace, 'default')) {
      this.storage.create(serviceAccounts, namespace, { metadata: { name: 'default' } });
    }
    if (!this.store.get('/configmaps', namespace, 'kube-root-ca.crt')) {
      this.storage.create(configMaps, namespace, {
        metadata: { name: 'kube-root-ca.crt', annotations: { 'kubernetes.io/description': 'Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as the internal service IP or kubernetes.default.svc. No other usage is guaranteed across distributions of Kubernetes clusters.' } },
        data: { 'ca.crt': this.caPem },
      });
    }
  }

  private finalize(namespace: string): void {
    for (const type of this.registry.types) {
      if (!type.namespaced || !type.stored) continue;
      for (const s of this.store.list(storageKey(type), namespace)) this.store.remove(storageKey(type), namespace, s.name);
    }
    this.store.remove('/namespaces', undefined, namespace);
  }

  private later(work: () => void): void {
    const handle = setTimeout(() => {
      this.pending.delete(handle);
      work();
    }, this.finalizeDelayMs);
    this.pending.add(handle);
  }
}
