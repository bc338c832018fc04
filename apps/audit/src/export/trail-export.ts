import { timestamp } from '@portcullis/contracts';
import { DataSource } from 'typeorm';
import { RECORD_COLUMNS, recordOfRow, RecordRow, storedEventOf } from '../trail/trail-rows';
import { TrailTables } from '../trail/trail-tables';

export interface ExportRange {
  /** Inclusive. */
  from: string;
  /** Exclusive. */
  to: string;
}

/** Both bounds valid timestamps and in order, or null. */
export function parseExportRange(from: unknown, to: unknown): ExportRange | null {
  const parsedFrom = timestamp.safeParse(from);
  const parsedTo = timestamp.safeParse(to);
  if (!parsedFrom.success || !parsedTo.success || Date.parse(parsedFrom.data) >= Date.parse(parsedTo.data)) return null;
  return { from: new Date(parsedFrom.data).toISOString(), to: new Date(parsedTo.data).toISOString() };
}

const PAGE = 2_000;

/**
 * The trail of a time range as NDJSON, oldest first, for SIEM ingestion: one record per line in
 * the AuditEventStoredV1 shape plus its chain position and hash, so a copy kept elsewhere
 * anchors the chain. Read in keyset pages, so memory stays flat however long the range.
 */
export class TrailExport {
  private readonly tables: TrailTables;

  constructor(private readonly dataSource: DataSource) {
    this.tables = new TrailTables(dataSource);
  }

  /** Yields one chunk of lines per page; the count of records so far travels with it. */
  async *chunks(range: ExportRange): AsyncGenerator<{ ndjson: string; records: number }> {
    let after: { occurredAt: string; id: string } | null = null;
    let records = 0;
    for (;;) {
      const params: unknown[] = [range.from, range.to, PAGE];
      if (after) params.push(after.occurredAt, after.id);
      const rows: RecordRow[] = await this.dataSource.query(
        `SELECT ${RECORD_COLUMNS} FROM ${this.tables.events}
          WHERE occurred_at >= $1 AND occurred_at < $2 ${after ? 'AND (occurred_at, id) > ($4::timestamptz, $5::uuid)' : ''}
          ORDER BY occurred_at, id LIMIT $3`,
        params,
      );
      if (rows.length === 0) return;
      const lines = rows.map((row) => {
        const record = recordOfRow(row);
        return `${JSON.stringify({ ...storedEventOf(record), chainSeq: record.chainSeq, hash: record.hash.toString('hex') })}\n`;
      });
      records += rows.length;
      yield { ndjson: lines.join(''), records };
      if (rows.length < PAGE) return;
      const last = rows[rows.length - 1];
      after = { occurredAt: last.occurred_at.toISOString(), id: last.id };
    }
  }
}
