/**
 * A database failure of the trail, without the failed query's parameters (a batch's worth of
 * records, which must not end up in a log line) but with its SQLSTATE.
 */
export class TrailDatabaseError extends Error {
  constructor(
    message: string,
    readonly sqlState: string | undefined,
  ) {
    super(message);
    this.name = 'TrailDatabaseError';
  }

  static from(error: unknown): TrailDatabaseError {
    if (error instanceof TrailDatabaseError) return error;
    const code = (error as { code?: unknown }).code;
    const sqlState = typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
    return new TrailDatabaseError((error as Error).message ?? String(error), sqlState);
  }

  /**
   * SQLSTATE classes that say "try again later", not "this data is wrong": connection (08),
   * transaction rollback (40: serialization, deadlock), resources (53), operator intervention
   * (57: shutdown, cancel), system (58), lock not available (55P03).
   */
  get isOutage(): boolean {
    return this.sqlState !== undefined && (/^(08|40|53|57|58)/.test(this.sqlState) || this.sqlState === '55P03');
  }
}
