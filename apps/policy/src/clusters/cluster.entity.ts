import { Check, Column, CreateDateColumn, Entity, Index, PrimaryColumn, UpdateDateColumn } from 'typeorm';
import type { ClusterCredentialKind } from './cluster-credential';

/** direct: Portcullis dials the API server with a management credential; agent: the cluster's agent dials out to the proxy. */
export type ClusterMode = 'direct' | 'agent';

/**
 * A registered Kubernetes cluster. A direct-mode cluster's management credential is stored
 * sealed (AES-256-GCM): the `credential_*` byte columns are useless without
 * CLUSTER_CREDENTIAL_KEY, and no GraphQL type, event or log line ever carries them. An
 * agent-mode cluster has none: its agent acts with its own in-cluster ServiceAccount.
 */
@Entity({ name: 'clusters' })
@Index('clusters_name', ['name'], { unique: true })
@Check('clusters_mode', `mode IN ('direct', 'agent')`)
// The database holds the rule too: no agent-mode row with a credential, no direct one without.
@Check('clusters_credential_by_mode', `(mode = 'direct') = (credential_ciphertext IS NOT NULL)`)
export class ClusterEntity {
  @PrimaryColumn('uuid')
  id!: string;

  /** A DNS label; immutable, because kubeconfig contexts and proxy URLs are named after it. */
  @Column('text')
  name!: string;

  @Column('text', { name: 'display_name' })
  displayName!: string;

  @Column('text', { default: 'direct' })
  mode!: ClusterMode;

  /** The API server's https URL, without a trailing slash; in agent mode as the agent sees it (informational). */
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

  // The credential columns are null exactly in agent mode.
  @Column('text', { name: 'credential_kind', nullable: true })
  credentialKind!: ClusterCredentialKind | null;

  /** Which key sealed the credential, so the key can rotate without re-registering clusters. */
  @Column('text', { name: 'credential_key_id', nullable: true })
  credentialKeyId!: string | null;

  @Column('bytea', { name: 'credential_iv', nullable: true })
  credentialIv!: Buffer | null;

  @Column('bytea', { name: 'credential_auth_tag', nullable: true })
  credentialAuthTag!: Buffer | null;

  @Column('bytea', { name: 'credential_ciphertext', nullable: true })
  credentialCiphertext!: Buffer | null;

  @Column('timestamptz', { name: 'credential_updated_at', nullable: true })
  credentialUpdatedAt!: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
