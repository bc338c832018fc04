import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { AuditRecord, ChainedRecord, dayOf, normaliseRecord } from './audit-record';
import { chainHash, contentDigest, genesisHash } from './event-chain';
import { TrailDatabaseError } from './trail-database.error';
import { TrailPartitions } from './trail-partitions';
import { TrailTables } from './trail-tables';

interface HeadRow {
  day: string;
  last_seq: string;
  last_hash: Buffer | null;
}

/** A record with everything that does not depend on the chain, prepared before the heads are locked. */
interface DigestedRecord {
  record: AuditRecord;
  digest: Buffer;
  /** Its row as a JSON object without the chain columns, which are appended under the lock. */
  rowJson: string;
}

/** A record placed in its day's chain, with its row ready to insert. */
interface LinkedRecord {
  record: ChainedRecord;
  rowJson: string;
}

/** Where a day's chain ends: the next record gets seq + 1 and continues from hash. */
interface ChainEnd {
  seq: number;
  hash: Buffer;
}

const COLUMN_TYPES = `id uuid, occurred_at timestamptz, kind text, user_id text, groups text[], kubeconfig_id uuid, cluster text, decision text,
  verb text, api_group text, api_version text, resource text, subresource text, namespace text, name text, path text, response_status smallint,
  latency_ms float8, bytes_in bigint, bytes_out bigint, user_agent text, source_address text, trace_id text, details jsonb, chain_seq bigint,
  hash bytea`;
const COLUMNS = COLUMN_TYPES.split(',').map((column) => column.trim().split(' ')[0]).join(', ');

const SQLSTATE_NO_PARTITION = '23514';

/** The row of a record without its chain columns, as json_to_recordset reads it. */
function rowJsonOf(r: AuditRecord): string {
  return JSON.stringify({
    id: r.id,
    occurred_at: r.occurredAt,
    kind: r.kind,
    user_id: r.userId,
    groups: r.groups,
    kubeconfig_id: r.kubeconfigId,
    cluster: r.cluster,
    decision: r.decision,
    verb: r.verb,
    api_group: r.apiGroup,
    api_version: r.apiVersion,
    resource: r.resource,
    subresource: r.subresource,
    namespace: r.namespace,
    name: r.name,
    path: r.path,
    response_status: r.responseStatus,
    latency_ms: r.latencyMs,
    bytes_in: r.bytesIn,
    bytes_out: r.bytesOut,
    user_agent: r.userAgent,
    source_address: r.sourceAddress,
    trace_id: r.traceId,
    details: r.details,
  });
}

/**
 * Appends records to the trail: one transaction per batch that locks the chain heads of the
 * batch's days, chains the records and inserts them with one INSERT. Idempotent on the event id:
 * records already stored (a redelivery after a crash between commit and acknowledgement) are
 * left out, and appending the same records again stores nothing and returns nothing.
 */
@Injectable()
export class TrailWriter {
  private readonly tables: TrailTables;

  constructor(
    private readonly dataSource: DataSource,
    private readonly partitions: TrailPartitions,
  ) {
    this.tables = new TrailTables(dataSource);
  }

  /** Returns the records stored by this call, in chain order. */
  async append(records: AuditRecord[]): Promise<ChainedRecord[]> {
    const unique = new Map<string, AuditRecord>();
    for (const record of records.map(normaliseRecord)) if (!unique.has(record.id)) unique.set(record.id, record);
    if (unique.size === 0) return [];
    // Hashed and serialised before the transaction, so the chain heads stay locked only for the cheap part.
    const batch = [...unique.values()].map((record): DigestedRecord => ({ record, digest: contentDigest(record), rowJson: rowJsonOf(record) }));
    const days = [...new Set(batch.map(({ record }) => dayOf(record.occurredAt)))].sort();
    try {
      await this.partitions.ensure(days);
      return await this.dataSource.transaction((manager) => this.appendLocked(manager, batch, days));
    } catch (error) {
      const failure = TrailDatabaseError.from(error);
      if (failure.sqlState === SQLSTATE_NO_PARTITION) this.partitions.forget(days);
      throw failure;
    }
  }

  private async appendLocked(manager: EntityManager, batch: DigestedRecord[], days: string[]): Promise<ChainedRecord[]> {
    const { heads } = this.tables;
    await manager.query(`INSERT INTO ${heads} (day, last_seq) SELECT day, 0 FROM unnest($1::date[]) AS day ON CONFLICT (day) DO NOTHING`, [days]);
    // In day order, so two appends spanning the same days cannot deadlock.
    const locked: HeadRow[] = await manager.query(
      `SELECT day::text AS day, last_seq::text AS last_seq, last_hash FROM ${heads} WHERE day = ANY($1::date[]) ORDER BY day FOR UPDATE`,
      [days],
    );
    const ends = new Map(locked.map((head): [string, ChainEnd] => [head.day, { seq: Number(head.last_seq), hash: head.last_hash ?? genesisHash(head.day) }]));

    // Optimistic: a batch rarely holds stored records (only a redelivery does). When it does, the
    // INSERT tells which ids were new and the chain is rebuilt from those alone, so that a record
    // left out leaves no link behind.
    await manager.query('SAVEPOINT audit_append');
    let chained = this.chain(batch, ends);
    const inserted = await this.insert(manager, chained);
    if (inserted.size !== chained.length) {
      await manager.query('ROLLBACK TO SAVEPOINT audit_append');
      chained = this.chain(
        batch.filter(({ record }) => inserted.has(record.id)),
        ends,
      );
      if (chained.length === 0) return [];
      // Under the head locks nobody can store one of these meanwhile; if it happened anyway,
      // committing would leave a hole in the chain, so the batch is given back instead.
      const again = await this.insert(manager, chained);
      if (again.size !== chained.length) throw new Error(`stored ${again.size} of ${chained.length} new records; the batch will be retried`);
    }

    const last = new Map<string, ChainEnd>();
    for (const { record } of chained) last.set(dayOf(record.occurredAt), { seq: record.chainSeq, hash: record.hash });
    await manager.query(
      `UPDATE ${heads} AS h SET last_seq = u.seq, last_hash = u.hash, updated_at = now()
         FROM unnest($1::date[], $2::bigint[], $3::bytea[]) AS u(day, seq, hash) WHERE h.day = u.day`,
      [[...last.keys()], [...last.values()].map((end) => end.seq), [...last.values()].map((end) => end.hash)],
    );
    return chained.map(({ record }) => record);
  }

  /** Continues each day's chain from its locked end. */
  private chain(records: DigestedRecord[], ends: Map<string, ChainEnd>): LinkedRecord[] {
    const position = new Map([...ends].map(([day, end]) => [day, { ...end }]));
    return records.map(({ record, digest, rowJson }): LinkedRecord => {
      const end = position.get(dayOf(record.occurredAt));
      if (!end) throw new Error(`no chain head locked for ${dayOf(record.occurredAt)}`);
      end.seq += 1;
      end.hash = chainHash(end.hash, end.seq, digest);
      return { record: { ...record, chainSeq: end.seq, hash: end.hash }, rowJson };
    });
  }

  /**
   * One multi-row INSERT: the batch travels as a single JSON parameter (parsed once by
   * PostgreSQL), so the statement is the same whatever the batch size. Returns the ids stored.
   */
  private async insert(manager: EntityManager, chained: LinkedRecord[]): Promise<Set<string>> {
    const rows = chained.map(({ record, rowJson }) => `${rowJson.slice(0, -1)},"chain_seq":${record.chainSeq},"hash":"\\\\x${record.hash.toString('hex')}"}`);
    const stored: Array<{ id: string }> = await manager.query(
      `INSERT INTO ${this.tables.events} (${COLUMNS})
       SELECT ${COLUMNS} FROM json_to_recordset($1::json) AS r(${COLUMN_TYPES})
       ON CONFLICT (id, occurred_at) DO NOTHING
       RETURNING id`,
      [`[${rows.join(',')}]`],
    );
    return new Set(stored.map((row) => row.id));
  }
}
