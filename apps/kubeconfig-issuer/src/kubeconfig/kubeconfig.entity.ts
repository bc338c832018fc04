import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/**
 * One issued kubeconfig: who got it, what it covered, until when, and how to recognise its
 * certificate. The private key handed out with it is deliberately not here.
 */
@Entity({ name: 'issued_kubeconfigs' })
@Index('issued_kubeconfigs_user_issued', ['userId', 'issuedAt'])
export class IssuedKubeconfig {
  /** The kubeconfig id, also in the certificate's URI SAN. */
  @PrimaryColumn('uuid')
  id!: string;

  @Column('text', { name: 'user_id' })
  userId!: string;

  @Column('text', { nullable: true })
  email!: string | null;

  /** The IdP groups snapshot written into the certificate. */
  @Column('text', { array: true })
  groups!: string[];

  @Column('text', { array: true })
  clusters!: string[];

  @Column('timestamptz', { name: 'issued_at' })
  issuedAt!: Date;

  @Column('timestamptz', { name: 'expires_at' })
  expiresAt!: Date;

  @Column('timestamptz', { name: 'revoked_at', nullable: true })
  revokedAt!: Date | null;

  @Column('text', { name: 'revoked_by', nullable: true })
  revokedBy!: string | null;

  @Column('text', { name: 'revoke_reason', nullable: true })
  revokeReason!: string | null;

  /** Upper-case hex, as TLS peers see it. */
  @Column('text', { name: 'certificate_serial', unique: true })
  certificateSerial!: string;

  /** SHA-256 of the DER certificate, `AB:CD:…`. */
  @Column('text', { name: 'certificate_fingerprint', unique: true })
  certificateFingerprint!: string;
}
