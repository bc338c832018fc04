import { Column, CreateDateColumn, Entity, Index, PrimaryColumn, UpdateDateColumn } from 'typeorm';
import type { ClusterCredentialKind } from './cluster-credential';

/**
 * A registered Kubernetes cluster. Its management credential is stored sealed (AES-256-GCM):
 * the four `credential_*` byte columns are useless without CLUSTER_CREDENTIAL_KEY, and no
 * GraphQL type, event or log line ever carries them.
 */
@Entity({ name: 'clusters' })
@Index('clusters_name', ['name'], { unique: true })
export class ClusterEntity {
  @PrimaryColumn('uuid')
  id!: string;

  /** A DNS label; immutable, because kubeconfig contexts and proxy URLs are named after it. */
  @Column('text')
  name!: string;

  @Column('text', { name: 'display_name' })
  displayName!: string;

  /** The API server's https URL, without a trailing slash. */
  @Column('text')
  server!: string;

  /** PEM certificates the API server's chain must end in; null trusts the system's CAs. */
  @Column('text', { name: 'ca_bundle', nullable: true })
  caBundle!: string | null;

  @Column('jsonb', { default: () => `'{}'` })
  labels!: Record<string, string>;

  /** How long a JIT service account may stay unused on this cluster before it is deleted. */
  @Column('integer', { name: 'idle_timeout_seconds' })
  idleTimeoutSeconds!: number;

  @Column('text', { name: 'credential_kind' })
  credentialKind!: ClusterCredentialKind;

  /** Which key sealed the credential, so the key can rotate without re-registering clusters. */
  @Column('text', { name: 'credential_key_id' })
  credentialKeyId!: string;

  @Column('bytea', { name: 'credential_iv' })
  credentialIv!: Buffer;

  @Column('bytea', { name: 'credential_auth_tag' })
  credentialAuthTag!: Buffer;

  @Column('bytea', { name: 'credential_ciphertext' })
  credentialCiphertext!: Buffer;

  @Column('timestamptz', { name: 'credential_updated_at' })
  credentialUpdatedAt!: Date;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
