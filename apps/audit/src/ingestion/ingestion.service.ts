import { Inject, Injectable } from '@nestjs/common';
import { BatchConsumer, MessagingConnection } from '@portcullis/platform/messaging';
import { isDatabaseHealthy } from '@portcullis/platform/persistence';
import { ROOT_LOGGER, SERVICE_CONFIG } from '@portcullis/platform/service';
import type { Logger } from 'pino';
import { DataSource } from 'typeorm';
import { AuditConfig } from '../config/audit.config';
import { AuditRecord } from '../trail/audit-record';
import { TrailDatabaseError } from '../trail/trail-database.error';
import { TrailWriter } from '../trail/trail.writer';
import { AuditSource, auditSources } from './audit-sources';
import { IngestionMetrics } from './ingestion.metrics';
import { LiveFeedPublisher } from './live-feed.publisher';

/**
 * One batch consumer per event type audit stores. A batch is acknowledged only after its
 * records committed; while PostgreSQL is unreachable batches are held (not acknowledged, not
 * dead-lettered) and retried until it answers again.
 */
@Injectable()
export class IngestionService {
  private readonly consumers: Array<BatchConsumer<AuditSource['contract']>> = [];
  private stopping = false;

  constructor(
    private readonly messaging: MessagingConnection,
    private readonly dataSource: DataSource,
    private readonly writer: TrailWriter,
    private readonly liveFeed: LiveFeedPublisher,
    private readonly metrics: IngestionMetrics,
    @Inject(SERVICE_CONFIG) private readonly config: AuditConfig,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
  ) {}

  async start(): Promise<void> {
    const logger = this.logger.child({ component: 'ingestion' });
    for (const source of auditSources) {
      const consumer = new BatchConsumer(
        this.messaging,
        source.consumer,
        source.contract,
        async (items) => this.store(items.flatMap(({ event, delivery }) => source.toRecords(event, delivery))),
        logger,
        // Two batches in flight: the next one is decoded and hashed while the previous one is in PostgreSQL.
        {
          maxBatch: Math.max(1, Math.round(this.config.AUDIT_INGEST_BATCH_SIZE / source.recordsPerMessage)),
          // A few INSERTs' worth delivered ahead, so the next batch never waits on the broker.
          maxAckPending: Math.max(16, Math.ceil((4 * this.config.AUDIT_INGEST_BATCH_SIZE) / source.recordsPerMessage)),
          concurrency: 2,
          isTransient: (error) => this.isDatabaseOutage(error),
        },
      );
      if (!(await this.startPatiently(consumer, logger))) return;
      this.consumers.push(consumer);
      this.metrics.watch(consumer);
    }
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await Promise.all(this.consumers.splice(0).map((consumer) => consumer.stop()));
  }

  /** A broker busy or restarting while this service boots costs time, not the boot. */
  private async startPatiently(consumer: BatchConsumer<AuditSource['contract']>, logger: Logger): Promise<boolean> {
    for (let attempt = 1; !this.stopping; attempt++) {
      try {
        await consumer.start();
        return true;
      } catch (error) {
        logger.warn({ err: error, consumer: consumer.durable, attempt }, 'could not start the consumer; retrying');
        await new Promise((resolve) => setTimeout(resolve, Math.min(5_000, 250 * 2 ** attempt)));
      }
    }
    return false;
  }

  private async store(records: AuditRecord[]): Promise<void> {
    const timer = this.metrics.batchInsertSeconds.startTimer();
    const stored = await this.writer.append(records);
    timer();
    if (stored.length) this.metrics.eventsStored.inc({ kind: stored[0].kind }, stored.length);
    this.liveFeed.publish(stored);
  }

  private async isDatabaseOutage(error: unknown): Promise<boolean> {
    if (error instanceof TrailDatabaseError && error.isOutage) return true;
    return !(await isDatabaseHealthy(this.dataSource));
  }
}
