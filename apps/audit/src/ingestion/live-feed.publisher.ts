import { Inject, Injectable } from '@nestjs/common';
import { AuditEventStoredV1 } from '@portcullis/contracts';
import { buildHeaders, HeaderNames, MessagingConnection } from '@portcullis/platform/messaging';
import { ROOT_LOGGER } from '@portcullis/platform/service';
import type { Logger } from 'pino';
import { AuditRecord } from '../trail/audit-record';
import { storedEventOf } from '../trail/trail-rows';

const encoder = new TextEncoder();

/**
 * Announces stored records on core NATS for views open right now (the admin API's
 * subscription). At most once and only after commit: the table is the durable copy, so a
 * missed announcement costs a live view one line, never the trail a record. Records are built
 * from events validated on the way in and typed as the contract; subscribers validate each
 * announcement, so it is not validated a second time here, at thousands per second.
 */
@Injectable()
export class LiveFeedPublisher {
  private readonly headers = buildHeaders({ [HeaderNames.schema]: AuditEventStoredV1.schemaName });

  constructor(
    private readonly messaging: MessagingConnection,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
  ) {}

  publish(records: AuditRecord[]): void {
    try {
      for (const record of records) {
        this.messaging.nats.publish(AuditEventStoredV1.subject, encoder.encode(JSON.stringify(storedEventOf(record))), { headers: this.headers });
      }
    } catch (error) {
      this.logger.warn({ err: error, records: records.length }, 'live announcement failed');
    }
  }
}
