import { Inject, Injectable, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { ROOT_LOGGER, SERVICE_CONFIG } from '@portcullis/platform/service';
import type { Logger } from 'pino';
import { AuditConfig } from '../config/audit.config';
import { TrailPartitions } from '../trail/trail-partitions';
import { addDays, utcDay } from '../trail/trail-tables';

/** Today and the next two days: a day's partition exists before its first event, even across a slow restart. */
const DAYS_AHEAD = 2;
// Hourly rather than daily: cheap, and a replica started at 23:59 still prepares tomorrow in time.
const INTERVAL_MS = 60 * 60 * 1000;

/**
 * Keeps the trail's partitions: creates the coming days' ahead of time and drops whole days once
 * they are older than AUDIT_RETENTION_DAYS (dropping a partition, never deleting rows).
 */
@Injectable()
export class TrailRetention implements OnApplicationBootstrap, OnModuleDestroy {
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly partitions: TrailPartitions,
    @Inject(SERVICE_CONFIG) private readonly config: AuditConfig,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.maintainLogged();
    this.timer = setInterval(() => void this.maintainLogged(), INTERVAL_MS);
    this.timer.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.timer);
  }

  /** Returns the first day kept and the days dropped. */
  async maintain(now = new Date()): Promise<{ firstKept: string; dropped: string[] }> {
    const today = utcDay(now);
    await this.partitions.ensure(Array.from({ length: DAYS_AHEAD + 1 }, (_, offset) => addDays(today, offset)));
    const firstKept = utcDay(new Date(now.getTime() - this.config.AUDIT_RETENTION_DAYS * 86_400_000));
    return { firstKept, dropped: await this.partitions.dropBefore(firstKept) };
  }

  private async maintainLogged(): Promise<void> {
    try {
      const { firstKept, dropped } = await this.maintain();
      if (dropped.length) this.logger.info({ dropped, firstKept }, 'audit days past retention dropped');
    } catch (error) {
      this.logger.warn({ err: error }, 'audit partition maintenance failed; retrying in an hour');
    }
  }
}
