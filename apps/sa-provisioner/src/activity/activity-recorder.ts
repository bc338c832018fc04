import { Inject, Injectable } from '@nestjs/common';
import { ROOT_LOGGER, SERVICE_CONFIG } from '@portcullis/platform/service';
import { Logger } from 'pino';
import { SaProvisionerConfig } from '../config/sa-provisioner.config';
import { Activity, JitServiceAccountRepository } from '../service-accounts/jit-service-account.repository';

// A batch this large is written at once, and the consumer waits for it (backpressure).
const MAX_PENDING = 1_000;

/**
 * Coalesces request activity per person and cluster (the latest time wins) and writes it in
 * one statement per ACTIVITY_FLUSH_INTERVAL_MS. A crash loses at most that interval of
 * activity, which can only make an idle ServiceAccount expire that much sooner; a failed write
 * keeps the batch for the next one.
 */
@Injectable()
export class ActivityRecorder {
  private pending = new Map<string, Activity>();
  private writes: Promise<void> = Promise.resolve();
  private timer?: NodeJS.Timeout;
  private readonly logger: Logger;

  constructor(
    private readonly records: JitServiceAccountRepository,
    @Inject(SERVICE_CONFIG) private readonly config: SaProvisionerConfig,
    @Inject(ROOT_LOGGER) rootLogger: Logger,
  ) {
    this.logger = rootLogger.child({ component: 'activity' });
  }

  start(): void {
    this.timer = setInterval(() => void this.flush(), this.config.ACTIVITY_FLUSH_INTERVAL_MS);
  }

  async note(activity: Activity): Promise<void> {
    this.merge(activity);
    if (this.pending.size >= MAX_PENDING) await this.flush();
  }

  /** Writes everything noted so far; writes never overlap. */
  flush(): Promise<void> {
    this.writes = this.writes.then(() => this.write());
    return this.writes;
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
  }

  private async write(): Promise<void> {
    if (this.pending.size === 0) return;
    const batch = [...this.pending.values()];
    this.pending = new Map();
    try {
      await this.records.recordActivity(batch);
    } catch (error) {
      this.logger.warn({ err: error, size: batch.length }, 'could not record request activity; retrying with the next batch');
      for (const activity of batch) this.merge(activity);
    }
  }

  private merge(activity: Activity): void {
    const key = `${activity.cluster}\n${activity.userId}`;
    const known = this.pending.get(key);
    if (!known || known.at < activity.at) this.pending.set(key, activity);
  }
}
