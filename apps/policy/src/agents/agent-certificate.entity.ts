import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { ClusterEntity } from '../clusters/cluster.entity';

/**
 * A client certificate policy signed for a cluster's agent. The proxy accepts a tunnel only with
 * a certificate listed here that is neither revoked nor expired: the current one, and the one it
 * superseded (until that one's own end), so a tunnel that is up survives a renewal.
 */
@Entity({ name: 'agent_certificates' })
@Index('agent_certificates_cluster', ['clusterId'])
export class AgentCertificateEntity {
  /** SHA-256 of the certificate's DER, lower-case hex: how the proxy names what it was shown. */
  @PrimaryColumn('text')
  fingerprint!: string;

  @Column('uuid', { name: 'cluster_id' })
  clusterId!: string;

  // CASCADE: a removed cluster's agent identities go with it.
  @ManyToOne(() => ClusterEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'cluster_id' })
  cluster?: ClusterEntity;

  /** Lower-case hex, as signed. */
  @Column('text', { name: 'serial_number' })
  serialNumber!: string;

  @Column('timestamptz', { name: 'not_after' })
  notAfter!: Date;

  @Column('timestamptz', { name: 'issued_at' })
  issuedAt!: Date;

  /** Set when a renewal issued its successor; it stays accepted until not_after. */
  @Column('timestamptz', { name: 'superseded_at', nullable: true })
  supersededAt!: Date | null;

  /** Set when it may no longer be used at all (re-registration, a new enrollment, or a renewal from another certificate). */
  @Column('timestamptz', { name: 'revoked_at', nullable: true })
  revokedAt!: Date | null;
}
