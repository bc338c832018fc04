import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager, EntityTarget } from 'typeorm';
import { ManagedCluster } from '../clusters/managed-cluster.entity';
import { JitServiceAccount, RemovalReason } from './jit-service-account.entity';

export interface ProvisionedAccount {
  userId: string;
  cluster: string;
  clusterId: string;
  namespace: string;
  serviceAccount: string;
  email: string | null;
  groups: string[];
  idleTimeoutSeconds: number;
  now: Date;
  /** When the bindings were made to match policy: an access change noted before it is settled. */
  convergedFrom: Date;
}

/** Whose records a policy change may affect; all fields narrow, none: everyone's. */
export interface AccessScope {
  userId?: string;
  group?: string;
  clusterId?: string;
}

export interface Activity {
  userId: string;
  cluster: string;
  at: Date;
}

/**
 * The JIT ServiceAccount records and the clusters they live on. Writes that publish an event
 * take the transaction's EntityManager, so the record and the event commit together (the outbox).
 */
@Injectable()
export class JitServiceAccountRepository {
  constructor(private readonly dataSource: DataSource) {}

  find(userId: string, cluster: string): Promise<JitServiceAccount | null> {
    return this.dataSource.getRepository(JitServiceAccount).findOneBy({ userId, cluster });
  }

  /** Locked until the transaction ends: a concurrent activity write or removal waits for it. */
  lock(manager: EntityManager, userId: string, cluster: string): Promise<JitServiceAccount | null> {
    return manager
      .getRepository(JitServiceAccount)
      .createQueryBuilder('sa')
      .where('sa.user_id = :userId AND sa.cluster = :cluster', { userId, cluster })
      .setLock('pessimistic_write')
      .getOne();
  }

  /** Inserts or refreshes the record; true when it is new (the ServiceAccount's first provisioning). */
  async save(manager: EntityManager, account: ProvisionedAccount): Promise<boolean> {
    const rows: Array<{ inserted: boolean }> = await manager.query(
      `INSERT INTO ${this.table(JitServiceAccount)} AS sa
         (user_id, cluster, cluster_id, namespace, service_account, email, groups, idle_timeout_seconds, created_at, last_activity_at, idle_expires_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8::integer, $9::timestamptz, NULL, $9::timestamptz + $8::integer * interval '1 second')
       ON CONFLICT (user_id, cluster) DO UPDATE SET
         cluster_id = EXCLUDED.cluster_id,
         namespace = EXCLUDED.namespace,
         service_account = EXCLUDED.service_account,
         email = EXCLUDED.email,
         groups = EXCLUDED.groups,
         idle_timeout_seconds = EXCLUDED.idle_timeout_seconds,
         idle_expires_at = GREATEST(sa.last_activity_at, sa.created_at) + EXCLUDED.idle_timeout_seconds * interval '1 second',
         access_changed_at = CASE WHEN sa.access_changed_at <= $10::timestamptz THEN NULL ELSE sa.access_changed_at END
       RETURNING (xmax = 0) AS inserted`,
      [
        account.userId,
        account.cluster,
        account.clusterId,
        account.namespace,
        account.serviceAccount,
        account.email,
        account.groups,
        account.idleTimeoutSeconds,
        account.now,
        account.convergedFrom,
      ],
    );
    await manager.query(
      `INSERT INTO ${this.table(ManagedCluster)} (cluster_id, name, first_provisioned_at) VALUES ($1, $2, $3)
       ON CONFLICT (cluster_id) DO UPDATE SET name = EXCLUDED.name`,
      [account.clusterId, account.cluster, account.now],
    );
    return rows[0].inserted;
  }

  async remove(manager: EntityManager, userId: string, cluster: string): Promise<void> {
    await manager.delete(JitServiceAccount, { userId, cluster });
  }

  listOfCluster(cluster: string, userId?: string): Promise<JitServiceAccount[]> {
    return this.dataSource.getRepository(JitServiceAccount).find({ where: { cluster, ...(userId ? { userId } : {}) }, order: { createdAt: 'ASC', userId: 'ASC' } });
  }

  /** Records with something to do: a pending removal, an access change to settle, or idle past their expiry. */
  listDue(now: Date, skipClusters: string[], limit: number): Promise<JitServiceAccount[]> {
    return this.dataSource
      .getRepository(JitServiceAccount)
      .createQueryBuilder('sa')
      .where('(sa.removal_reason IS NOT NULL OR sa.access_changed_at IS NOT NULL OR sa.idle_expires_at <= :now)', { now })
      .andWhere('NOT (sa.cluster = ANY(:skip))', { skip: skipClusters })
      .orderBy('sa.idle_expires_at', 'ASC')
      .limit(limit)
      .getMany();
  }

  /** Marks the person's records created up to `createdUpTo` (on one cluster, or all) for removal; returns how many. */
  async markUserForRemoval(userId: string, createdUpTo: Date, reason: RemovalReason, cluster?: string): Promise<number> {
    const query = this.dataSource
      .createQueryBuilder()
      .update(JitServiceAccount)
      .set({ removalReason: reason })
      .where('user_id = :userId AND created_at <= :createdUpTo AND removal_reason IS NULL', { userId, createdUpTo });
    if (cluster !== undefined) query.andWhere('cluster = :cluster', { cluster });
    const result = await query.execute();
    return result.affected ?? 0;
  }

  async markClusterForRemoval(clusterId: string, reason: RemovalReason): Promise<number> {
    const result = await this.dataSource
      .createQueryBuilder()
      .update(JitServiceAccount)
      .set({ removalReason: reason })
      .where('cluster_id = :clusterId AND removal_reason IS NULL', { clusterId })
      .execute();
    return result.affected ?? 0;
  }

  /** Notes that policy changed for the records in `scope`; keeps the earliest unsettled change. */
  async markAccessChanged(scope: AccessScope, at: Date): Promise<number> {
    const query = this.dataSource
      .createQueryBuilder()
      .update(JitServiceAccount)
      .set({ accessChangedAt: () => 'COALESCE(access_changed_at, :at)' })
      .where('removal_reason IS NULL')
      .setParameter('at', at);
    if (scope.userId !== undefined) query.andWhere('user_id = :userId', { userId: scope.userId });
    if (scope.group !== undefined) query.andWhere(':group = ANY(groups)', { group: scope.group });
    if (scope.clusterId !== undefined) query.andWhere('cluster_id = :clusterId', { clusterId: scope.clusterId });
    const result = await query.execute();
    return result.affected ?? 0;
  }

  /** Settles the access change of a record, unless another change arrived after `convergedFrom`. */
  async clearAccessChanged(userId: string, cluster: string, convergedFrom: Date): Promise<void> {
    await this.dataSource
      .createQueryBuilder()
      .update(JitServiceAccount)
      .set({ accessChangedAt: null })
      .where('user_id = :userId AND cluster = :cluster AND access_changed_at <= :convergedFrom', { userId, cluster, convergedFrom })
      .execute();
  }

  /** A cluster's idle timeout changed: every record on it expires by the new one. */
  async changeIdleTimeout(clusterId: string, idleTimeoutSeconds: number): Promise<void> {
    await this.dataSource.query(
      `UPDATE ${this.table(JitServiceAccount)}
       SET idle_timeout_seconds = $2::integer, idle_expires_at = GREATEST(last_activity_at, created_at) + $2::integer * interval '1 second'
       WHERE cluster_id = $1`,
      [clusterId, idleTimeoutSeconds],
    );
  }

  /**
   * One write for a batch of request activity. Last activity only moves forward (a max), so a
   * redelivered or late event changes nothing; records that do not exist are not created.
   */
  async recordActivity(batch: Activity[]): Promise<void> {
    if (batch.length === 0) return;
    await this.dataSource.query(
      `UPDATE ${this.table(JitServiceAccount)} AS sa
       SET last_activity_at = GREATEST(sa.last_activity_at, v.at),
           idle_expires_at = GREATEST(sa.last_activity_at, sa.created_at, v.at) + sa.idle_timeout_seconds * interval '1 second'
       FROM unnest($1::text[], $2::text[], $3::timestamptz[]) AS v(user_id, cluster, at)
       WHERE sa.user_id = v.user_id AND sa.cluster = v.cluster`,
      [batch.map((a) => a.userId), batch.map((a) => a.cluster), batch.map((a) => a.at)],
    );
  }

  async serviceAccountsOfCluster(cluster: string): Promise<Set<string>> {
    const rows = await this.dataSource.getRepository(JitServiceAccount).find({ select: { serviceAccount: true }, where: { cluster } });
    return new Set(rows.map((row) => row.serviceAccount));
  }

  async knownClusters(): Promise<ManagedCluster[]> {
    return this.dataSource.getRepository(ManagedCluster).find({ order: { name: 'ASC' } });
  }

  async findCluster(clusterId: string): Promise<ManagedCluster | null> {
    return this.dataSource.getRepository(ManagedCluster).findOneBy({ clusterId });
  }

  async forgetCluster(clusterId: string): Promise<void> {
    await this.dataSource.getRepository(ManagedCluster).delete({ clusterId });
  }

  private table(entity: EntityTarget<object>): string {
    const metadata = this.dataSource.getMetadata(entity);
    return metadata.schema ? `"${metadata.schema}"."${metadata.tableName}"` : `"${metadata.tableName}"`;
  }
}
