import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { addDays, startOfDay, TrailTables } from './trail-tables';

interface PartitionTable {
  day: string;
  attached: boolean;
  /** A concurrent detach was interrupted; it has to be finalised. */
  detachPending: boolean;
}

/**
 * The day partitions of `audit_events`. Both directions avoid the ACCESS EXCLUSIVE lock on the
 * trail that `CREATE TABLE … PARTITION OF` and `DROP TABLE <partition>` take, which would stop
 * ingestion and queue behind a long export: a day is created as a plain table and attached
 * (SHARE UPDATE EXCLUSIVE), and retention detaches concurrently before dropping. Retention drops
 * whole days (a partition and its chain head), never rows. An advisory lock keeps replicas doing
 * the same at the same time from tripping over each other.
 */
@Injectable()
export class TrailPartitions {
  private readonly tables: TrailTables;
  private readonly lockKey: string;
  /** Days known to have a partition, so appends do not ask every time. */
  private readonly known = new Set<string>();

  constructor(private readonly dataSource: DataSource) {
    this.tables = new TrailTables(dataSource);
    this.lockKey = `${this.tables.events}.partitions`;
  }

  async ensure(days: Iterable<string>): Promise<void> {
    let missing = [...days].filter((day) => !this.known.has(day)).sort();
    if (missing.length === 0) return;
    // Usually the days exist already (after a restart, say): no need to wait for the lock then.
    const attached = new Set(await this.days());
    for (const day of missing) if (attached.has(day)) this.known.add(day);
    missing = missing.filter((day) => !attached.has(day));
    if (missing.length === 0) return;
    await this.dataSource.transaction(async (manager) => {
      await manager.query('SELECT pg_advisory_xact_lock(hashtext($1))', [this.lockKey]);
      const present = new Map((await this.partitionTables(manager)).map((table) => [table.day, table]));
      for (const day of missing) {
        const table = present.get(day);
        if (table?.attached) continue;
        // A table detached by an interrupted retention run still holds its day: attach it again.
        if (!table) await manager.query(`CREATE TABLE ${this.tables.partition(day)} (LIKE ${this.tables.events} INCLUDING DEFAULTS INCLUDING CONSTRAINTS)`);
        await manager.query(
          `ALTER TABLE ${this.tables.events} ATTACH PARTITION ${this.tables.partition(day)} FOR VALUES FROM ('${startOfDay(day)}') TO ('${startOfDay(addDays(day, 1))}')`,
        );
      }
    });
    for (const day of missing) this.known.add(day);
  }

  /** Days that have a partition, oldest first. */
  async days(): Promise<string[]> {
    return (await this.partitionTables(this.dataSource.manager)).filter((table) => table.attached).map((table) => table.day);
  }

  /** Drops every day before `firstKept`; returns the days dropped. */
  async dropBefore(firstKept: string): Promise<string[]> {
    const runner = this.dataSource.createQueryRunner();
    await runner.connect();
    try {
      // A session lock: DETACH … CONCURRENTLY cannot run inside a transaction.
      await runner.query('SELECT pg_advisory_lock(hashtext($1))', [this.lockKey]);
      try {
        const expired = (await this.partitionTables(runner.manager)).filter((table) => table.day < firstKept);
        for (const table of expired) {
          if (table.attached) {
            await runner.query(`ALTER TABLE ${this.tables.events} DETACH PARTITION ${this.tables.partition(table.day)} ${table.detachPending ? 'FINALIZE' : 'CONCURRENTLY'}`);
          }
          await runner.query(`DROP TABLE ${this.tables.partition(table.day)}`);
          this.known.delete(table.day);
        }
        await runner.query(`DELETE FROM ${this.tables.heads} WHERE day < $1::date`, [firstKept]);
        return expired.map((table) => table.day);
      } finally {
        await runner.query('SELECT pg_advisory_unlock(hashtext($1))', [this.lockKey]);
      }
    } finally {
      await runner.release();
    }
  }

  /** After another replica dropped a day this one still had in mind. */
  forget(days: Iterable<string>): void {
    for (const day of days) this.known.delete(day);
  }

  /** Every table named like a day partition in the schema, attached or not, oldest first. */
  private async partitionTables(manager: EntityManager): Promise<PartitionTable[]> {
    const rows: Array<{ name: string; attached: boolean; detach_pending: boolean }> = await manager.query(
      `SELECT c.relname AS name, i.inhrelid IS NOT NULL AS attached, coalesce(i.inhdetachpending, false) AS detach_pending
         FROM pg_class c
         JOIN pg_namespace n ON n.oid = c.relnamespace
         LEFT JOIN pg_inherits i ON i.inhrelid = c.oid AND i.inhparent = $2::regclass
        WHERE n.nspname = $1 AND c.relkind = 'r' AND c.relname ~ '^audit_events_[0-9]{8}$'`,
      [this.tables.schema, this.tables.events],
    );
    return rows
      .map((row) => ({ day: TrailTables.dayOfPartition(row.name), attached: row.attached, detachPending: row.detach_pending }))
      .filter((table): table is PartitionTable => table.day !== null)
      .sort((a, b) => (a.day < b.day ? -1 : 1));
  }
}
