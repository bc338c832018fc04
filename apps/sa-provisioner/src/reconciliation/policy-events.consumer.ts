import { Inject, Injectable, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { ClusterChangedV1, consumerDefinitions, GrantChangedV1, RoleChangedV1 } from '@portcullis/contracts';
import { DurableConsumer, MessagingConnection } from '@portcullis/platform/messaging';
import { ROOT_LOGGER } from '@portcullis/platform/service';
import { Logger } from 'pino';
import { ClusterConnections } from '../clusters/cluster-connections';
import { AccessScope, JitServiceAccountRepository } from '../service-accounts/jit-service-account.repository';
import { Reconciler } from './reconciler';

/**
 * Policy changes reach existing JIT ServiceAccounts at once: each handler notes in the
 * database which records the change may affect (so the work survives a crash and retries while
 * a cluster is down) and wakes the reconciler, which re-asks policy and fixes the bindings, or
 * removes the ServiceAccount when no grant on that cluster is left. Handlers are idempotent:
 * noting a change twice costs one more re-evaluation.
 */
@Injectable()
export class PolicyEventsConsumer implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly consumers: Array<DurableConsumer<typeof GrantChangedV1 | typeof RoleChangedV1 | typeof ClusterChangedV1>>;

  constructor(
    connection: MessagingConnection,
    private readonly records: JitServiceAccountRepository,
    private readonly connections: ClusterConnections,
    private readonly reconciler: Reconciler,
    @Inject(ROOT_LOGGER) rootLogger: Logger,
  ) {
    const logger = rootLogger.child({ component: 'policy-events' });
    this.consumers = [
      new DurableConsumer(connection, consumerDefinitions.provisionerGrantChanged, GrantChangedV1, (event) => this.grantChanged(event), logger),
      new DurableConsumer(connection, consumerDefinitions.provisionerRoleChanged, RoleChangedV1, (event) => this.roleChanged(event), logger),
      new DurableConsumer(connection, consumerDefinitions.provisionerClusterChanged, ClusterChangedV1, (event) => this.clusterChanged(event), logger),
    ];
  }

  async onApplicationBootstrap(): Promise<void> {
    for (const consumer of this.consumers) await consumer.start();
  }

  async onModuleDestroy(): Promise<void> {
    await Promise.all(this.consumers.map((consumer) => consumer.stop()));
  }

  private async grantChanged(event: GrantChangedV1): Promise<void> {
    // Only a new grant says whom it concerns; an update or deletion carries the state after
    // the change, not who had it before, so everyone's access is re-evaluated.
    const scope: AccessScope = {};
    if (event.change === 'created' && event.grant) {
      if (event.grant.subject.kind === 'user') scope.userId = event.grant.subject.name;
      else scope.group = event.grant.subject.name;
      if (event.grant.clusterId) scope.clusterId = event.grant.clusterId;
    }
    await this.noteAccessChanged(scope);
  }

  private async roleChanged(event: RoleChangedV1): Promise<void> {
    // A new role is in no grant yet. Changed rules reach the managed ClusterRole through the
    // re-evaluation of everyone who might hold the role.
    if (event.change === 'created') return;
    await this.noteAccessChanged({});
  }

  private async clusterChanged(event: ClusterChangedV1): Promise<void> {
    if (event.change === 'created') return;
    const known = await this.records.findCluster(event.clusterId);
    if (known) await this.connections.forget(known.name);
    if (event.change === 'deleted' || !event.cluster) {
      await this.records.markClusterForRemoval(event.clusterId, 'access-removed');
      await this.records.forgetCluster(event.clusterId);
      this.reconciler.wake();
    } else {
      await this.connections.forget(event.cluster.name);
      await this.records.changeIdleTimeout(event.clusterId, event.cluster.idleTimeoutSeconds);
      // Its labels may have changed, and with them the grants that select it.
      await this.records.markAccessChanged({ clusterId: event.clusterId }, new Date());
      this.reconciler.retryCluster(event.cluster.name);
    }
  }

  private async noteAccessChanged(scope: AccessScope): Promise<void> {
    if ((await this.records.markAccessChanged(scope, new Date())) > 0) this.reconciler.wake();
  }
}
