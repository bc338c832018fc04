import { Inject, Injectable, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { consumerDefinitions, KubeconfigRevokedV1 } from '@portcullis/contracts';
import { DurableConsumer, MessagingConnection } from '@portcullis/platform/messaging';
import { ROOT_LOGGER } from '@portcullis/platform/service';
import { Logger } from 'pino';
import { JitServiceAccountRepository } from '../service-accounts/jit-service-account.repository';
import { Reconciler } from './reconciler';

// Another service's clock may run ahead of ours; a revocation also covers ServiceAccounts we
// recorded this much after the moment it names.
const CLOCK_SKEW_MS = 5 * 60 * 1000;

/**
 * A revoked kubeconfig takes its owner's JIT ServiceAccounts with it, on every cluster, so the
 * tokens minted for them stop working at the clusters too. The revocation names one kubeconfig
 * and the provisioner cannot tell whether the person holds another live one, so it deletes them
 * all: a request with another live kubeconfig provisions a fresh ServiceAccount. Those created
 * after the revocation (a replay of an old event) are left alone.
 */
@Injectable()
export class RevocationConsumer implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly consumer: DurableConsumer<typeof KubeconfigRevokedV1>;
  private readonly logger: Logger;

  constructor(
    connection: MessagingConnection,
    private readonly records: JitServiceAccountRepository,
    private readonly reconciler: Reconciler,
    @Inject(ROOT_LOGGER) rootLogger: Logger,
  ) {
    this.logger = rootLogger.child({ component: 'revocations' });
    this.consumer = new DurableConsumer(connection, consumerDefinitions.provisionerKubeconfigRevoked, KubeconfigRevokedV1, (event) => this.revoked(event), this.logger);
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.consumer.start();
  }

  async onModuleDestroy(): Promise<void> {
    await this.consumer.stop();
  }

  private async revoked(event: KubeconfigRevokedV1): Promise<void> {
    const coveredUpTo = new Date(Date.parse(event.occurredAt) + CLOCK_SKEW_MS);
    const marked = await this.records.markUserForRemoval(event.userId, coveredUpTo, 'revoked');
    if (marked === 0) return;
    this.logger.info({ userId: event.userId, kubeconfigId: event.kubeconfigId, serviceAccounts: marked }, 'kubeconfig revoked: removing its owner’s JIT ServiceAccounts');
    this.reconciler.wake();
  }
}
