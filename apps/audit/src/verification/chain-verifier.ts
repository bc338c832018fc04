import { Injectable } from '@nestjs/common';
import { AuditVerifyRequestV1, AuditVerifyResponseV1 } from '@portcullis/contracts';
import { DataSource } from 'typeorm';
import { chainHash, contentDigest, genesisHash } from '../trail/event-chain';
import { TrailErrorCode, TrailException } from '../trail/trail.exception';
import { TrailPartitions } from '../trail/trail-partitions';
import { RECORD_COLUMNS, recordOfRow, RecordRow } from '../trail/trail-rows';
import { TrailTables, utcDay } from '../trail/trail-tables';

type BrokenLink = NonNullable<AuditVerifyResponseV1['firstBrokenLink']>;

const PAGE = 5_000;

/**
 * Walks each day's chain in the order it was written, recomputing every hash from the stored
 * content and the previous hash, and compares the end with the chain head. The first link that
 * does not hold is reported; nothing after it is trusted, so the walk stops there.
 */
@Injectable()
export class ChainVerifier {
  private readonly tables: TrailTables;

  constructor(
    private readonly dataSource: DataSource,
    private readonly partitions: TrailPartitions,
  ) {
    this.tables = new TrailTables(dataSource);
  }

  async verify(request: AuditVerifyRequestV1): Promise<AuditVerifyResponseV1> {
    const from = Date.parse(request.from);
    const to = Date.parse(request.to);
    if (from >= to) throw new TrailException(TrailErrorCode.InvalidRange, 'from must be before to');
    const first = utcDay(new Date(from));
    const last = utcDay(new Date(to - 1));
    const headDays: Array<{ day: string }> = await this.dataSource.query(
      `SELECT day::text AS day FROM ${this.tables.heads} WHERE day BETWEEN $1::date AND $2::date`,
      [first, last],
    );
    const partitionDays = await this.partitions.days();
    const days = [...new Set([...headDays.map((row) => row.day), ...partitionDays])]
      .filter((day) => day >= first && day <= last)
      .sort();

    let checkedEvents = 0;
    for (const day of days) {
      const result = await this.verifyDay(day, partitionDays.includes(day));
      checkedEvents += result.checked;
      if (result.broken) return { days, checkedEvents, firstBrokenLink: result.broken };
    }
    return { days, checkedEvents, firstBrokenLink: null };
  }

  private async verifyDay(day: string, hasPartition: boolean): Promise<{ checked: number; broken: BrokenLink | null }> {
    const [head]: Array<{ last_seq: string; last_hash: Buffer | null }> = await this.dataSource.query(
      `SELECT last_seq::text AS last_seq, last_hash FROM ${this.tables.heads} WHERE day = $1::date`,
      [day],
    );
    let previous = genesisHash(day);
    let expected = 1;
    let position: { seq: number; id: string } | null = null;
    // The day's own partition, walked along its (chain_seq, id) index: through the parent table
    // with a time range the planner may sort the whole day again for every page.
    for (; hasPartition; ) {
      const rows: RecordRow[] = await this.dataSource.query(
        `SELECT ${RECORD_COLUMNS} FROM ${this.tables.partition(day)}
          ${position ? 'WHERE (chain_seq, id) > ($2::bigint, $3::uuid)' : ''}
          ORDER BY chain_seq, id LIMIT $1`,
        position ? [PAGE, position.seq, position.id] : [PAGE],
      );
      for (const row of rows) {
        const record = recordOfRow(row);
        if (record.chainSeq !== expected) {
          return { checked: expected - 1, broken: { day, chainSeq: expected, eventId: record.id, reason: 'sequence-broken' } };
        }
        if (!chainHash(previous, record.chainSeq, contentDigest(record)).equals(record.hash)) {
          return { checked: expected - 1, broken: { day, chainSeq: record.chainSeq, eventId: record.id, reason: 'content-altered' } };
        }
        previous = record.hash;
        expected += 1;
        position = { seq: record.chainSeq, id: record.id };
      }
      if (rows.length < PAGE) break;
    }
    const stored = expected - 1;
    const headSeq = head ? Number(head.last_seq) : 0;
    const headHash = head?.last_hash ?? null;
    if (headSeq !== stored) {
      // Records missing after the last stored one, or stored past the recorded end.
      return { checked: stored, broken: { day, chainSeq: Math.min(headSeq, stored) + 1, eventId: null, reason: 'head-mismatch' } };
    }
    if (stored > 0 && !headHash?.equals(previous)) {
      return { checked: stored, broken: { day, chainSeq: stored, eventId: position?.id ?? null, reason: 'head-mismatch' } };
    }
    return { checked: stored, broken: null };
  }
}
