import { sameJson, type PolicyRule } from '../api/kube-object';
import { LabelSelector } from '../selectors/label-selector';
import type { ObjectStore, StoreEvent } from '../store/object-store';
import { RBAC_GROUP } from './rbac-authorizer';

// The clusterrole-aggregation controller: a ClusterRole with an aggregationRule gets the rules of
// every ClusterRole its selectors match (this is how admin/edit/view are built). Kubernetes runs
// it asynchronously; here it runs right after the change, so a test never waits for it.

const CLUSTER_ROLES = `${RBAC_GROUP}/clusterroles`;

interface AggregationRule {
  clusterRoleSelectors?: Array<Parameters<typeof LabelSelector.fromObject>[0]>;
}

export class ClusterRoleAggregator {
  private running = false;
  private dirty = false;

  constructor(private readonly store: ObjectStore) {}

  attach(): void {
    this.store.onChange((event: StoreEvent) => {
      if (event.storageKey === CLUSTER_ROLES) this.reconcile();
    });
  }

  reconcile(): void {
    // Writing an aggregated role is itself a change; loop instead of recursing.
    if (this.running) {
      this.dirty = true;
      return;
    }
    this.running = true;
    try {
      do {
        this.dirty = false;
        this.reconcileOnce();
      } while (this.dirty);
    } finally {
      this.running = false;
    }
  }

  private reconcileOnce(): void {
    const roles = this.store.list(CLUSTER_ROLES);
    for (const stored of roles) {
      const rule = stored.object.aggregationRule as AggregationRule | undefined;
      if (!rule?.clusterRoleSelectors) continue;
      const selectors = rule.clusterRoleSelectors.map((s) => LabelSelector.fromObject(s));
      const rules: PolicyRule[] = [];
      const seen = new Set<string>();
      for (const source of roles) {
        if (source.name === stored.name) continue;
        if (!selectors.some((s) => s.matches(source.object.metadata.labels))) continue;
        for (const r of (source.object.rules as PolicyRule[] | undefined) ?? []) {
          const key = JSON.stringify(r);
          if (!seen.has(key)) {
            seen.add(key);
            rules.push(r);
          }
        }
      }
      if (!sameJson(rules, stored.object.rules ?? [])) {
        const updated = structuredClone(stored.object);
        updated.rules = rules;
        this.store.put(CLUSTER_ROLES, updated);
      }
    }
  }
}
