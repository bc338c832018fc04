import { Inject, Injectable } from '@nestjs/common';
import { SaExpiredV1 } from '@portcullis/contracts';
import { Outbox } from '@portcullis/platform/persistence';
import { ROOT_LOGGER, SERVICE_CONFIG } from '@portcullis/platform/service';
import { randomUUID } from 'node:crypto';
import { Logger } from 'pino';
import { BindingSpec, ClusterApi, ManagedServiceAccount } from '../clusters/cluster-api';
import { ClusterConnections } from '../clusters/cluster-connections';
import { SaProvisionerConfig } from '../config/sa-provisioner.config';
import { MANAGED_SELECTOR, USER_HASH_LABEL, USER_ID_ANNOTATION } from '../service-accounts/jit-names';
import { JitServiceAccountRepository } from '../service-accounts/jit-service-account.repository';
import { ServiceAccountProvisioner } from '../service-accounts/service-account-provisioner';

/**
 * Compares what is on a cluster with the records: managed ServiceAccounts nobody recorded (a
 * crash between creating one and recording it, a restored database) are deleted with their
 * bindings, and so are managed bindings whose ServiceAccount is neither recorded nor present.
 */
@Injectable()
export class OrphanCollector {
  private readonly logger: Logger;

  constructor(
    private readonly connections: ClusterConnections,
    private readonly records: JitServiceAccountRepository,
    private readonly provisioner: ServiceAccountProvisioner,
    private readonly outbox: Outbox,
    @Inject(SERVICE_CONFIG) private readonly config: SaProvisionerConfig,
    @Inject(ROOT_LOGGER) rootLogger: Logger,
  ) {
    this.logger = rootLogger.child({ component: 'orphans' });
  }

  collect(cluster: string): Promise<void> {
    return this.connections.with(cluster, async (api) => {
      const namespace = this.config.JIT_NAMESPACE;
      const [accounts, bindings, recorded] = await Promise.all([
        api.listServiceAccounts(namespace, MANAGED_SELECTOR),
        api.listBindings(MANAGED_SELECTOR),
        this.records.serviceAccountsOfCluster(cluster),
      ]);
      const cutoff = Date.now() - this.config.ORPHAN_MIN_AGE_SECONDS * 1000;
      const present = new Set(accounts.map((account) => account.name));
      for (const account of accounts) {
        if (recorded.has(account.name) || !account.createdAt || account.createdAt.getTime() > cutoff) continue;
        const own = bindings.filter((binding) => binding.labels[USER_HASH_LABEL] === account.labels[USER_HASH_LABEL]);
        await this.removeUnrecorded(api, account.name, () => this.removeAccount(api, namespace, account, own));
      }
      for (const binding of bindings) {
        const owner = binding.subject.name;
        if (recorded.has(owner) || present.has(owner)) continue;
        await this.removeUnrecorded(api, owner, () => api.deleteBinding(binding));
      }
    });
  }

  /** Under the ServiceAccount's lock, and only if it is still unrecorded (an ensure() may have just finished). */
  private removeUnrecorded(api: ClusterApi, serviceAccount: string, remove: () => Promise<void>): Promise<void> {
    return this.provisioner.exclusive(api.cluster.name, serviceAccount, async () => {
      if ((await this.records.serviceAccountsOfCluster(api.cluster.name)).has(serviceAccount)) return;
      await remove();
    });
  }

  private async removeAccount(api: ClusterApi, namespace: string, account: ManagedServiceAccount, bindings: BindingSpec[]): Promise<void> {
    await api.deleteServiceAccount(namespace, account.name);
    for (const binding of bindings) await api.deleteBinding(binding);
    const userId = account.annotations[USER_ID_ANNOTATION] || account.name;
    await this.outbox.transaction((_manager, events) =>
      events.add(SaExpiredV1.subject, {
        id: randomUUID(),
        occurredAt: new Date().toISOString(),
        userId,
        cluster: api.cluster.name,
        namespace,
        serviceAccount: account.name,
        reason: 'orphaned',
      }),
    );
    this.logger.info({ cluster: api.cluster.name, serviceAccount: account.name, userId }, 'orphaned JIT ServiceAccount removed');
  }
}
