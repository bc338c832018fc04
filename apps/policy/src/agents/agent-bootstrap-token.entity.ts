import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { ClusterEntity } from '../clusters/cluster.entity';

/**
 * A one-time token an agent exchanges for its first certificate. Only its SHA-256 is stored, so
 * a database dump cannot enroll an agent; it can be spent once (`used_at`), before `expires_at`,
 * unless a re-registration revoked it first.
 */
@Entity({ name: 'agent_bootstrap_tokens' })
@Index('agent_bootstrap_tokens_cluster', ['clusterId'])
export class AgentBootstrapTokenEntity {
  @PrimaryColumn('uuid')
  id!: string;

  @Column('uuid', { name: 'cluster_id' })
  clusterId!: string;

  // CASCADE: a removed cluster's tokens go with it.
  @ManyToOne(() => ClusterEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'cluster_id' })
  cluster?: ClusterEntity;

  @Column('bytea', { name: 'token_sha256' })
  tokenSha256!: Buffer;

  @Column('timestamptz', { name: 'expires_at' })
  expiresAt!: Date;

  @Column('timestamptz', { name: 'used_at', nullable: true })
  usedAt!: Date | null;

  /** Set when a re-registration replaced the token before it was used. */
  @Column('timestamptz', { name: 'revoked_at', nullable: true })
  revokedAt!: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  /** The admin's user id. */
  @Column('text', { name: 'created_by' })
  createdBy!: string;
}
