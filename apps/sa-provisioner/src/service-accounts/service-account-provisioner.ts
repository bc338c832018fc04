/*
 * Trust model of ensure(): the caller (the proxy) vouches for who the person is and which groups
 * their kubeconfig carries; what they may do on the cluster is asked of policy on every call, and
 * nothing is created and no token minted without a grant there (NO_ACCESS). The minted token is
 * returned once and kept nowhere; deleting the ServiceAccount kills it at the cluster.
 */
import { Inject, Injectable } from '@nestjs/common';
import {
  EffectiveAccessEntry,
  JitServiceAccount as JitServiceAccountSummary,
  PolicyEffectiveAccessV1,
  SaExpiredV1,
  SaProvisionedV1,
  SaTokenEnsureRequestV1,
  SaTokenEnsureResponseV1,
} from '@portcullis/contracts';
import { Requester } from '@portcullis/platform/messaging';
import { Outbox } from '@portcullis/platform/persistence';
import { ROOT_LOGGER, SERVICE_CONFIG } from '@portcullis/platform/service';
import { randomUUID } from 'node:crypto';
import { Logger } from 'pino';
import { ClusterApi } from '../clusters/cluster-api';
import { ClusterConnections } from '../clusters/cluster-connections';
import { SaProvisionerConfig } from '../config/sa-provisioner.config';
import { ProvisionerErrorCode, ProvisionerException } from '../errors/provisioner.exception';
import { EMAIL_ANNOTATION, serviceAccountName, USER_ID_ANNOTATION, userHash, userLabels, userSelector } from './jit-names';
import { JitServiceAccount } from './jit-service-account.entity';
import { JitServiceAccountRepository } from './jit-service-account.repository';
import { KeyedLock, SingleFlight } from './keyed-lock';
import { bindingKey, JitSubject, managedLabels, planRbac } from './rbac-plan';

type ExpiryReason = SaExpiredV1['reason'];

function toSummary(record: JitServiceAccount): JitServiceAccountSummary {
  return {
    userId: record.userId,
    cluster: record.cluster,
    namespace: record.namespace,
    serviceAccount: record.serviceAccount,
    createdAt: record.createdAt.toISOString(),
    lastActivityAt: record.lastActivityAt?.toISOString() ?? null,
    idleExpiresAt: record.idleExpiresAt.toISOString(),
  };
}

/**
 * Creates, re-binds and deletes JIT ServiceAccounts. Everything done to one person's
 * ServiceAccount on one cluster runs under one in-process lock; across replicas, creating
 * treats AlreadyExists and deleting treats NotFound as done, and the record's row lock decides
 * which replica publishes an expiry.
 */
@Injectable()
export class ServiceAccountProvisioner {
  private readonly lock = new KeyedLock();
  private readonly ensures = new SingleFlight<SaTokenEnsureResponseV1>();
  private readonly logger: Logger;

  constructor(
    private readonly requester: Requester,
    private readonly outbox: Outbox,
    private readonly records: JitServiceAccountRepository,
    private readonly connections: ClusterConnections,
    @Inject(SERVICE_CONFIG) private readonly config: SaProvisionerConfig,
    @Inject(ROOT_LOGGER) rootLogger: Logger,
  ) {
    this.logger = rootLogger.child({ component: 'provisioner' });
  }

  /** The person's token for the cluster; concurrent calls for one person and cluster share one provisioning. */
  ensure(request: SaTokenEnsureRequestV1): Promise<SaTokenEnsureResponseV1> {
    const key = lockKey(request.cluster, serviceAccountName(request.userId));
    return this.ensures.run(key, () => this.lock.run(key, () => this.provision(request)));
  }

  async list(cluster: string, userId?: string): Promise<JitServiceAccountSummary[]> {
    return (await this.records.listOfCluster(cluster, userId)).map(toSummary);
  }

  /**
   * Does what a record is due for, as it is when the lock is held: finish a removal, make the
   * bindings match changed grants, or delete it for idleness.
   */
  settle(record: Pick<JitServiceAccount, 'userId' | 'cluster'>): Promise<void> {
    return this.lock.run(lockKey(record.cluster, serviceAccountName(record.userId)), async () => {
      const current = await this.records.find(record.userId, record.cluster);
      if (!current) return;
      if (current.removalReason) {
        await this.remove(current, current.removalReason, (row) => row.removalReason !== null);
      } else if (current.accessChangedAt) {
        await this.reevaluate(current);
      } else if (current.idleExpiresAt <= new Date()) {
        await this.remove(current, 'idle', isIdle);
      }
    });
  }

  /** Runs `work` while nothing else may provision or remove that ServiceAccount in this process. */
  exclusive<T>(cluster: string, serviceAccount: string, work: () => Promise<T>): Promise<T> {
    return this.lock.run(lockKey(cluster, serviceAccount), work);
  }

  private async provision(request: SaTokenEnsureRequestV1): Promise<SaTokenEnsureResponseV1> {
    const { userId, email, cluster } = request;
    const groups = [...new Set(request.groups)].sort();
    // Before asking policy: a change it makes after this moment is settled by a later pass, not by us.
    const convergedFrom = new Date();
    const entries = await this.accessOn(userId, groups, cluster);
    const existing = await this.records.find(userId, cluster);
    if (entries.length === 0) {
      if (existing) await this.retire(existing);
      throw new ProvisionerException(ProvisionerErrorCode.NoAccess, `you have no grant on cluster ${cluster}; ask your platform team for one`);
    }

    return this.connections.with(cluster, async (api) => {
      // A record that is already due to go goes first: the person gets a fresh ServiceAccount,
      // and tokens of the old one stop working.
      if (existing?.removalReason) await this.removeWith(api, existing, existing.removalReason, (row) => row.removalReason !== null);
      else if (existing && existing.idleExpiresAt <= new Date()) await this.removeWith(api, existing, 'idle', isIdle);

      const subject = this.subjectOf(userId);
      await api.ensureNamespace(subject.namespace);
      await api.ensureServiceAccount(subject.namespace, subject.name, userLabels(subject.userHash), {
        [USER_ID_ANNOTATION]: userId,
        ...(email ? { [EMAIL_ANNOTATION]: email } : {}),
      });
      await this.converge(api, subject, entries);
      const token = await api.requestToken(subject.namespace, subject.name, this.config.JIT_TOKEN_TTL_SECONDS);

      const now = new Date();
      const created = await this.outbox.transaction(async (manager, events) => {
        const inserted = await this.records.save(manager, {
          userId,
          cluster,
          clusterId: api.cluster.id,
          namespace: subject.namespace,
          serviceAccount: subject.name,
          email,
          groups,
          idleTimeoutSeconds: api.cluster.idleTimeoutSeconds,
          now,
          convergedFrom,
        });
        if (inserted) {
          await events.add(SaProvisionedV1.subject, {
            id: randomUUID(),
            occurredAt: now.toISOString(),
            userId,
            cluster,
            namespace: subject.namespace,
            serviceAccount: subject.name,
          });
        }
        return inserted;
      });
      if (created) this.logger.info({ userId, cluster, serviceAccount: subject.name }, 'JIT ServiceAccount provisioned');
      return { token: token.token, expiresAt: token.expiresAt.toISOString() };
    });
  }

  /**
   * The person lost their last grant on the cluster before an event told us: the removal is
   * noted first (the reconciler finishes it should the cluster not answer now), then tried.
   */
  private async retire(record: JitServiceAccount): Promise<void> {
    await this.records.markUserForRemoval(record.userId, new Date(), 'access-removed', record.cluster);
    await this.remove(record, record.removalReason ?? 'access-removed', (row) => row.removalReason !== null).catch((error: unknown) =>
      this.logger.warn({ err: error, userId: record.userId, cluster: record.cluster }, 'could not remove a ServiceAccount whose access is gone; the reconciler retries'),
    );
  }

  /** Makes the bindings match the person's grants as policy sees them now, or removes the ServiceAccount when none is left. */
  private async reevaluate(record: JitServiceAccount): Promise<void> {
    const convergedFrom = new Date();
    const entries = await this.accessOn(record.userId, record.groups, record.cluster);
    if (entries.length === 0) {
      await this.remove(record, 'access-removed', (row) => row.removalReason === null);
      return;
    }
    await this.connections.with(record.cluster, (api) => this.converge(api, this.subjectOf(record.userId, record.namespace), entries));
    await this.records.clearAccessChanged(record.userId, record.cluster, convergedFrom);
  }

  private async converge(api: ClusterApi, subject: JitSubject, entries: EffectiveAccessEntry[]): Promise<void> {
    const plan = planRbac(entries, subject);
    for (const role of plan.clusterRoles) await api.applyClusterRole(role.name, role.rules, managedLabels);
    const current = new Map((await api.listBindings(userSelector(subject.userHash))).map((binding) => [bindingKey(binding), binding]));
    const wanted = new Set<string>();
    for (const binding of plan.bindings) {
      const key = bindingKey(binding);
      wanted.add(key);
      const found = current.get(key);
      if (found && found.clusterRole === binding.clusterRole && found.subject.name === subject.name && found.subject.namespace === subject.namespace) continue;
      // A binding's roleRef cannot change: a different one is replaced.
      if (found) await api.deleteBinding(found);
      if ((await api.createBinding(binding)) === 'namespace-missing') {
        this.logger.warn({ cluster: api.cluster.name, namespace: binding.namespace, role: binding.clusterRole }, 'granted namespace does not exist on the cluster; not bound');
      }
    }
    for (const [key, binding] of current) {
      if (!wanted.has(key)) await api.deleteBinding(binding);
    }
  }

  /** Removes the ServiceAccount; a cluster policy no longer knows has nothing left to clean up. */
  private async remove(record: JitServiceAccount, reason: ExpiryReason, stillDue: (row: JitServiceAccount) => boolean): Promise<void> {
    try {
      await this.connections.with(record.cluster, (api) => this.removeWith(api, record, reason, stillDue));
    } catch (error) {
      if (!(error instanceof ProvisionerException && error.code === ProvisionerErrorCode.ClusterNotFound)) throw error;
      await this.removeWith(null, record, reason, stillDue);
    }
  }

  /**
   * Deletes the ServiceAccount (its tokens die with it) and its bindings, then the record with
   * its SaExpiredV1, in one transaction that holds the record's row lock throughout: a cluster
   * that fails leaves the record for the next attempt, and a concurrent activity write waits.
   */
  private async removeWith(api: ClusterApi | null, record: JitServiceAccount, reason: ExpiryReason, stillDue: (row: JitServiceAccount) => boolean): Promise<void> {
    const removed = await this.outbox.transaction(async (manager, events) => {
      const row = await this.records.lock(manager, record.userId, record.cluster);
      if (!row || !stillDue(row)) return false;
      if (api) {
        await api.deleteServiceAccount(row.namespace, row.serviceAccount);
        for (const binding of await api.listBindings(userSelector(userHash(row.userId)))) await api.deleteBinding(binding);
      }
      await this.records.remove(manager, row.userId, row.cluster);
      await events.add(SaExpiredV1.subject, {
        id: randomUUID(),
        occurredAt: new Date().toISOString(),
        userId: row.userId,
        cluster: row.cluster,
        namespace: row.namespace,
        serviceAccount: row.serviceAccount,
        reason,
      });
      return true;
    });
    if (removed) this.logger.info({ userId: record.userId, cluster: record.cluster, serviceAccount: record.serviceAccount, reason }, 'JIT ServiceAccount removed');
  }

  private async accessOn(userId: string, groups: string[], cluster: string): Promise<EffectiveAccessEntry[]> {
    try {
      const access = await this.requester.request(PolicyEffectiveAccessV1, { userId, groups });
      return access.entries.filter((entry) => entry.cluster.name === cluster);
    } catch (error) {
      throw new ProvisionerException(ProvisionerErrorCode.PolicyUnavailable, `policy did not answer which grants apply: ${(error as Error).message}`);
    }
  }

  private subjectOf(userId: string, namespace = this.config.JIT_NAMESPACE): JitSubject {
    return { namespace, name: serviceAccountName(userId), userHash: userHash(userId) };
  }
}

function lockKey(cluster: string, serviceAccount: string): string {
  return `${cluster}/${serviceAccount}`;
}

function isIdle(row: JitServiceAccount): boolean {
  return row.removalReason === null && row.idleExpiresAt <= new Date();
}
