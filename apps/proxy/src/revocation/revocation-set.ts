/**
 * Revoked kubeconfig ids, each kept until the credential's own expiry (after which the
 * certificate check refuses it anyway). Rebuilt from the event stream at start.
 */
export class RevocationSet {
  private readonly expiries = new Map<string, number>();

  /** False when the credential has expired already and needs no entry. */
  add(kubeconfigId: string, expiresAt: number, now = Date.now()): boolean {
    if (expiresAt <= now) return false;
    const id = kubeconfigId.toLowerCase();
    this.expiries.set(id, Math.max(expiresAt, this.expiries.get(id) ?? 0));
    return true;
  }

  has(kubeconfigId: string): boolean {
    return this.expiries.has(kubeconfigId);
  }

  /** Forgets entries whose credential has expired; returns how many. */
  prune(now = Date.now()): number {
    let removed = 0;
    for (const [id, expiresAt] of this.expiries) {
      if (expiresAt <= now) {
        this.expiries.delete(id);
        removed++;
      }
    }
    return removed;
  }

  get size(): number {
    return this.expiries.size;
  }
}
