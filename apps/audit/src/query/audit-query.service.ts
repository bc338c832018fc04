import { Injectable } from '@nestjs/common';
import { AuditQueryRequestV1, AuditQueryResponseV1 } from '@portcullis/contracts';
import { DataSource } from 'typeorm';
import { TrailErrorCode, TrailException } from '../trail/trail.exception';
import { RECORD_COLUMNS, recordOfRow, RecordRow, storedEventOf } from '../trail/trail-rows';
import { TrailTables } from '../trail/trail-tables';
import { AuditCursor } from './audit-cursor';

function likePrefix(prefix: string): string {
  return `${prefix.replace(/[\\%_]/g, '\\$&')}%`;
}

/**
 * Pages of records, newest first. Every filter is a plain condition the indexes serve
 * ((column, occurred_at, id) per filter column, GIN on groups); the time bounds prune partitions;
 * the cursor continues strictly after the last (occurred_at, id) of the previous page, so records
 * stored meanwhile never shift a page.
 */
@Injectable()
export class AuditQueryService {
  private readonly tables: TrailTables;

  constructor(private readonly dataSource: DataSource) {
    this.tables = new TrailTables(dataSource);
  }

  async page(request: AuditQueryRequestV1): Promise<AuditQueryResponseV1> {
    const { filter } = request;
    if (filter.from && filter.to && Date.parse(filter.from) >= Date.parse(filter.to)) {
      throw new TrailException(TrailErrorCode.InvalidRange, 'filter: from must be before to');
    }
    const params: unknown[] = [];
    const param = (value: unknown) => {
      params.push(value);
      return `$${params.length}`;
    };
    const where: string[] = [];
    if (filter.userId !== undefined) where.push(`user_id = ${param(filter.userId)}`);
    if (filter.group !== undefined) where.push(`groups @> ARRAY[${param(filter.group)}::text]`);
    if (filter.cluster !== undefined) where.push(`cluster = ${param(filter.cluster)}`);
    if (filter.namespace !== undefined) where.push(`namespace = ${param(filter.namespace)}`);
    if (filter.verb !== undefined) where.push(`verb = ${param(filter.verb)}`);
    if (filter.resource !== undefined) where.push(`resource = ${param(filter.resource)}`);
    if (filter.namePrefix !== undefined) where.push(`name LIKE ${param(likePrefix(filter.namePrefix))}`);
    if (filter.statusClass !== undefined) {
      const low = Number(filter.statusClass[0]) * 100;
      where.push(`response_status >= ${param(low)} AND response_status < ${param(low + 100)}`);
    }
    if (filter.decision !== undefined) where.push(`decision = ${param(filter.decision)}`);
    if (filter.kind !== undefined) where.push(`kind = ${param(filter.kind)}`);
    if (filter.from !== undefined) where.push(`occurred_at >= ${param(filter.from)}`);
    if (filter.to !== undefined) where.push(`occurred_at < ${param(filter.to)}`);
    if (request.after !== null) {
      const after = AuditCursor.decode(request.after);
      where.push(`(occurred_at, id) < (${param(after.occurredAt)}::timestamptz, ${param(after.id)}::uuid)`);
    }
    // The page is chosen on keys alone, which the filter indexes answer without reading the table
    // (a broad name prefix matches thousands of rows); only the page's rows are then read whole.
    const rows: RecordRow[] = await this.dataSource.query(
      `WITH page AS (
         SELECT id, occurred_at FROM ${this.tables.events}
          ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
          ORDER BY occurred_at DESC, id DESC LIMIT ${param(request.first + 1)})
       SELECT ${RECORD_COLUMNS} FROM ${this.tables.events} JOIN page USING (id, occurred_at)
        ORDER BY occurred_at DESC, id DESC`,
      params,
    );
    const records = rows.slice(0, request.first).map(recordOfRow);
    const last = records[records.length - 1];
    return {
      events: records.map(storedEventOf),
      nextCursor: rows.length > request.first && last ? AuditCursor.encode({ occurredAt: last.occurredAt, id: last.id }) : null,
    };
  }
}
