import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

export type RemovalReason = 'revoked' | 'access-removed';

/**
 * A person's JIT ServiceAccount on one cluster, as the provisioner created it. The token it
 * hands out is deliberately not here: it is returned once and kept nowhere.
 */
@Entity({ name: 'jit_service_accounts' })
@Index('jit_service_accounts_idle_expires', ['idleExpiresAt'])
@Index('jit_service_accounts_cluster_id', ['clusterId'])
export class JitServiceAccount {
  @PrimaryColumn('text', { name: 'user_id' })
  userId!: string;

  /** The cluster's name, as policy, the proxy and kubeconfig contexts know it. */
  @PrimaryColumn('text')
  cluster!: string;

  @Column('uuid', { name: 'cluster_id' })
  clusterId!: string;

  @Column('text')
  namespace!: string;

  @Column('text', { name: 'service_account' })
  serviceAccount!: string;

  @Column('text', { nullable: true })
  email!: string | null;

  /** The IdP groups of the last ensure(), to re-evaluate the person's access when policy changes. */
  @Column('text', { array: true })
  groups!: string[];

  /** The cluster's idle timeout, as of the last ensure() or cluster change. */
  @Column('integer', { name: 'idle_timeout_seconds' })
  idleTimeoutSeconds!: number;

  @Column('timestamptz', { name: 'created_at' })
  createdAt!: Date;

  @Column('timestamptz', { name: 'last_activity_at', nullable: true })
  lastActivityAt!: Date | null;

  /** (last activity, or creation) + idle timeout: when the sweep deletes it. */
  @Column('timestamptz', { name: 'idle_expires_at' })
  idleExpiresAt!: Date;

  /** Policy changed since the bindings were last made to match it; the reconciler re-evaluates. */
  @Column('timestamptz', { name: 'access_changed_at', nullable: true })
  accessChangedAt!: Date | null;

  /** Set when it must go (a revocation, a lost grant); the reconciler deletes it, retrying until the cluster answers. */
  @Column('text', { name: 'removal_reason', nullable: true })
  removalReason!: RemovalReason | null;
}
