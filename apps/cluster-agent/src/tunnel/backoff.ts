/**
 * Capped exponential backoff with full jitter: each delay is uniform in [0, min(cap, base·2^n)).
 * Jitter spreads the agents of many clusters apart after a proxy restart instead of letting them
 * reconnect in waves.
 */
export class Backoff {
  private attempt = 0;

  constructor(
    private readonly baseMs: number,
    private readonly maxMs: number,
    private readonly random: () => number = Math.random,
  ) {}

  /** The delay before the next attempt; each call widens the range until the cap. */
  next(): number {
    const ceiling = Math.min(this.maxMs, this.baseMs * 2 ** this.attempt);
    // Past the cap the exponent no longer matters; bounding it keeps 2^n finite.
    if (ceiling < this.maxMs) this.attempt++;
    return Math.floor(this.random() * ceiling);
  }

  reset(): void {
    this.attempt = 0;
  }
}
