import { Check, Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { ClusterEntity } from '../clusters/cluster.entity';
import { RoleEntity } from '../roles/role.entity';

export type GrantSubjectKind = 'group' | 'user';

/** subject (an IdP group or a user) → role → one cluster or every cluster matching a label selector → optional namespaces. */
@Entity({ name: 'grants' })
@Index('grants_signature', ['signature'], { unique: true })
@Index('grants_subject', ['subjectKind', 'subjectName'])
@Check('grants_one_target', '(cluster_id IS NULL) <> (cluster_selector IS NULL)')
export class GrantEntity {
  @PrimaryColumn('uuid')
  id!: string;

  @Column('text', { name: 'subject_kind' })
  subjectKind!: GrantSubjectKind;

  /** A group name as the IdP spells it, or a Portcullis user id. */
  @Column('text', { name: 'subject_name' })
  subjectName!: string;

  @Column('uuid', { name: 'role_id' })
  roleId!: string;

  // RESTRICT: a role in use cannot disappear underneath its grants (deleteRole refuses first).
  @ManyToOne(() => RoleEntity, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'role_id' })
  role?: RoleEntity;

  @Column('uuid', { name: 'cluster_id', nullable: true })
  clusterId!: string | null;

  // RESTRICT: removeCluster deletes a cluster's grants itself, so that each removal is published.
  @ManyToOne(() => ClusterEntity, { onDelete: 'RESTRICT', nullable: true })
  @JoinColumn({ name: 'cluster_id' })
  cluster?: ClusterEntity | null;

  /** Matches every cluster whose labels include all of these (resolved when access is asked for). */
  @Column('jsonb', { name: 'cluster_selector', nullable: true })
  clusterSelector!: Record<string, string> | null;

  /** Empty: the whole cluster. */
  @Column('text', { array: true, default: () => `'{}'` })
  namespaces!: string[];

  /** What the grant gives, normalised, so the same grant cannot exist twice. */
  @Column('text')
  signature!: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column('text', { name: 'created_by' })
  createdBy!: string;
}
