import { EffectiveAccessEntry } from '@portcullis/contracts';

/** What one grant contributes; a change to any part of it may change what a person can do. */
function grantFingerprint(entry: EffectiveAccessEntry): string {
  return `${entry.grantId}|${entry.role.name}|${entry.role.builtIn}|${JSON.stringify(entry.role.rules)}`;
}

/** A person's effective access as policy answered it: the grants that reach each cluster. */
export class AccessView {
  /** coverage() by cluster and namespace: a view never changes, and every request asks. */
  private readonly coverageMemo = new Map<string, Map<string, ReadonlySet<string>>>();
  private fingerprints?: readonly string[];

  constructor(readonly entries: readonly EffectiveAccessEntry[]) {}

  allows(cluster: string): boolean {
    return this.entries.some((entry) => entry.cluster.name === cluster);
  }

  /**
   * The grants that cover a request in `namespace` ('' for cluster-scoped) on `cluster`: a
   * cluster-wide grant covers everything, a namespace-limited one only its namespaces.
   */
  coverage(cluster: string, namespace: string): ReadonlySet<string> {
    let byNamespace = this.coverageMemo.get(cluster);
    if (!byNamespace) this.coverageMemo.set(cluster, (byNamespace = new Map()));
    let covering = byNamespace.get(namespace);
    if (covering) return covering;
    const fingerprints = (this.fingerprints ??= this.entries.map(grantFingerprint));
    const found = new Set<string>();
    this.entries.forEach((entry, index) => {
      if (entry.cluster.name !== cluster) return;
      if (entry.namespaces.length === 0 || (namespace !== '' && entry.namespaces.includes(namespace))) found.add(fingerprints[index]);
    });
    byNamespace.set(namespace, (covering = found));
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
