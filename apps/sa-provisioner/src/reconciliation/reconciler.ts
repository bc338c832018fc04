import { Inject, Injectable, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { ROOT_LOGGER, SERVICE_CONFIG } from '@portcullis/platform/service';
import { Logger } from 'pino';
import { SaProvisionerConfig } from '../config/sa-provisioner.config';
import { ProvisionerErrorCode, ProvisionerException } from '../errors/provisioner.exception';
import { JitServiceAccountRepository } from '../service-accounts/jit-service-account.repository';
import { ServiceAccountProvisioner } from '../service-accounts/service-account-provisioner';
import { ClusterBackoff } from './cluster-backoff';
import { OrphanCollector } from './orphan-collector';

// Records settled per pass; a full batch starts the next pass at once.
const BATCH = 100;

type Outcome = 'done' | 'cluster-failed' | 'policy-unavailable' | 'failed';

/**
 * The provisioner's background work, in one loop: at start, the orphan check of every cluster
 * it has provisioned on; then, every SA_SWEEP_INTERVAL_MS or as soon as an event wakes it, the
 * records that are due (a removal to finish, grants to re-apply, an idle timeout passed). The
 * work to do lives in the database, so nothing is lost when a cluster or policy is down: a
 * failing cluster is retried with backoff while the others proceed.
 */
@Injectable()
export class Reconciler implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly backoff = new ClusterBackoff();
  private readonly unchecked = new Set<string>();
  private readonly logger: Logger;
  private running?: Promise<void>;
  private again = false;
  private stopped = false;
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly records: JitServiceAccountRepository,
    private readonly provisioner: ServiceAccountProvisioner,
    private readonly orphans: OrphanCollector,
    @Inject(SERVICE_CONFIG) private readonly config: SaProvisionerConfig,
    @Inject(ROOT_LOGGER) rootLogger: Logger,
  ) {
    this.logger = rootLogger.child({ component: 'reconciler' });
  }

  async onApplicationBootstrap(): Promise<void> {
    for (const cluster of await this.records.knownClusters()) this.unchecked.add(cluster.name);
    this.wake();
  }

  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  /** Something about the cluster changed (its address, say): try it again now rather than after its backoff. */
  retryCluster(cluster: string): void {
    this.backoff.succeeded(cluster);
    this.wake();
  }

  /** Runs a pass now, or right after the one in progress. */
  wake(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    clearTimeout(this.timer);
    this.running = this.run();
  }

  private async run(): Promise<void> {
    try {
      do {
        this.again = false;
        await this.pass();
      } while (this.again && !this.stopped);
    } catch (error) {
      this.logger.error({ err: error }, 'reconciliation pass failed; retrying at the next interval');
    } finally {
      this.running = undefined;
      if (!this.stopped) {
        const delayMs = Math.min(this.config.SA_SWEEP_INTERVAL_MS, this.backoff.nextRetryIn() ?? Infinity);
        this.timer = setTimeout(() => this.wake(), delayMs);
      }
    }
  }

  private async pass(): Promise<void> {
    for (const cluster of [...this.unchecked]) {
      if (this.stopped) return;
      if (this.backoff.isWaiting(cluster)) continue;
      const outcome = await this.attempt(cluster, () => this.orphans.collect(cluster));
      if (outcome === 'done') this.unchecked.delete(cluster);
    }

    const due = await this.records.listDue(new Date(), this.backoff.waiting(), BATCH);
    let settled = 0;
    for (const record of due) {
      if (this.stopped) return;
      if (this.backoff.isWaiting(record.cluster)) continue;
      const outcome = await this.attempt(record.cluster, () => this.provisioner.settle(record));
      if (outcome === 'policy-unavailable') return;
      if (outcome === 'done') settled++;
    }
    if (due.length === BATCH && settled > 0) this.again = true;
  }

  private async attempt(cluster: string, work: () => Promise<void>): Promise<Outcome> {
    try {
      await work();
      this.backoff.succeeded(cluster);
      return 'done';
    } catch (error) {
      if (error instanceof ProvisionerException) {
        switch (error.code) {
          case ProvisionerErrorCode.ClusterNotFound:
            // Policy no longer knows it: nothing on it can be reached or cleaned up any more.
            return 'done';
          case ProvisionerErrorCode.PolicyUnavailable:
            this.logger.warn({ err: error }, 'policy does not answer; reconciliation waits for the next pass');
            return 'policy-unavailable';
          case ProvisionerErrorCode.ClusterUnreachable:
          case ProvisionerErrorCode.ClusterFailed:
          case ProvisionerErrorCode.NoAccess:
            this.logger.warn({ cluster, retryInMs: this.backoff.failed(cluster), reason: error.message }, 'cluster reconciliation failed; will retry');
            return 'cluster-failed';
        }
      }
      this.logger.error({ err: error, cluster, retryInMs: this.backoff.failed(cluster) }, 'cluster reconciliation failed unexpectedly; will retry');
      return 'failed';
    }
  }
}
