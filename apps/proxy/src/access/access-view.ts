import { EffectiveAccessEntry } from '@portcullis/contracts';

/** What one grant contributes; a change to any part of it may change what a person can do. */
function grantFingerprint(entry: EffectiveAccessEntry): string {
  return `${entry.grantId}|${entry.role.name}|${entry.role.builtIn}|${JSON.stringify(entry.role.rules)}`;
}

/** A person's effective access as policy answered it: the grants that reach each cluster. */
export class AccessView {
  constructor(readonly entries: readonly EffectiveAccessEntry[]) {}

  allows(cluster: string): boolean {
    return this.entries.some((entry) => entry.cluster.name === cluster);
  }

  /**
   * The grants that cover a request in `namespace` ('' for cluster-scoped) on `cluster`: a
   * cluster-wide grant covers everything, a namespace-limited one only its namespaces.
   */
  coverage(cluster: string, namespace: string): Set<string> {
    const covering = new Set<string>();
    for (const entry of this.entries) {
      if (entry.cluster.name !== cluster) continue;
      if (entry.namespaces.length === 0 || (namespace !== '' && entry.namespaces.includes(namespace))) covering.add(grantFingerprint(entry));
    }
    return covering;
  }

  /**
   * Whether a stream opened under `coveredBy` may stay open: the cluster is still granted and
   * every grant that covered it still does, unchanged. A stream is never kept on a grant it did
   * not start under (an exec opened with `edit` must not survive a downgrade to `view`).
   */
  stillCovers(cluster: string, namespace: string, coveredBy: ReadonlySet<string>): boolean {
    if (!this.allows(cluster)) return false;
    const now = this.coverage(cluster, namespace);
    for (const fingerprint of coveredBy) if (!now.has(fingerprint)) return false;
    return true;
  }
}
